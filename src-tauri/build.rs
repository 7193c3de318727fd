fn main() {
    // Only these commands are reachable from the page, and only through the capability in
    // capabilities/ that grants them to the main window.
    const COMMANDS: &[&str] = &[
        "sandbox_portal",
        "portals_overview",
        "use_portal",
        "use_sandbox",
        "connect_token",
        "oauth_start",
        "oauth_cancel",
        "test_connection",
        "disconnect",
        "open_logs",
        "list_fields",
        "add_field",
        "list_mappings",
        "contact_properties",
        "set_mapping",
        "remove_mapping",
        "push_rules",
        "set_push_rules",
        "leads_page",
        "lead_detail",
        "open_lead_in_hubspot",
        "add_lead",
        "update_lead",
        "refresh_owners",
        "export_leads",
        "open_saved_folder",
        "csv_import_inspect",
        "csv_import_run",
        "pull_rules",
        "pull_rule_properties",
        "set_pull_rules",
        "export_mapping_file",
        "preview_mapping_file",
        "import_mapping_file",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to generate the Tauri context (is ui/dist built?)");
}
