fn main() {
    // Only `sandbox_portal` is reachable from the page, and only through the capability
    // in capabilities/ that grants it to the main window.
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&["sandbox_portal"])),
    )
    .expect("failed to generate the Tauri context (is ui/dist built?)");
}
