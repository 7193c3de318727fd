//! Where the main window opens. `tauri.conf.json` opens it at 1280×800, centred; the window-state
//! plugin then puts back the size, place and maximised state it had when the app last closed
//! (`<config dir>/app.hubsync.desktop/.window-state.json`). The plugin restores a place only
//! when the saved window still touches a monitor, but it restores the size as it was, and one
//! corner on screen is enough for it: a window saved on a big monitor, or half on a monitor
//! since unplugged, would open too big or mostly off screen; and 1280×800 is more than a small
//! laptop's screen. `fit` brings the window into the work area (the screen less panels and
//! docks) of the monitor it is most on, or of the primary one when it is on none.
//!
//! It is decided at setup, before the window is shown, from the state the plugin restored (read
//! from its file): a GTK window's size and place read back as 0×0 until it is shown, and its
//! first move or resize still carries the configuration's size, the restored one arriving later.

use std::path::Path;

use serde::Deserialize;
use tauri::{LogicalSize, Manager, Monitor, PhysicalPosition, PhysicalSize, Runtime, WebviewWindow};
use tauri_plugin_window_state::AppHandleExt;

/// A rectangle in physical pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    fn right(&self) -> i64 {
        i64::from(self.x) + i64::from(self.width)
    }

    fn bottom(&self) -> i64 {
        i64::from(self.y) + i64::from(self.height)
    }

    /// The area this rectangle shares with `other`, in square pixels.
    fn overlap(&self, other: &Rect) -> i64 {
        let width = self.right().min(other.right()) - i64::from(self.x.max(other.x));
        let height = self.bottom().min(other.bottom()) - i64::from(self.y.max(other.y));
        width.max(0) * height.max(0)
    }
}

/// Where the window must go so it lies within a work area: `None` when it already does (or
/// there is no monitor to fit it to). `window` is its outer frame; `work_areas` the monitors'
/// work areas, the primary one at `primary`. A window too big for its monitor shrinks to the work
/// area; one on no monitor at all is centred on the primary one.
pub fn fit(window: Rect, work_areas: &[Rect], primary: usize) -> Option<Rect> {
    let (best, overlap) =
        work_areas.iter().map(|area| (area, window.overlap(area))).max_by_key(|(_, overlap)| *overlap)?;
    let area = if overlap > 0 { best } else { work_areas.get(primary).unwrap_or(best) };
    let width = window.width.min(area.width);
    let height = window.height.min(area.height);
    let (x, y) = if overlap > 0 {
        (clamp(window.x, area.x, area.width - width), clamp(window.y, area.y, area.height - height))
    } else {
        (centred(area.x, area.width, width), centred(area.y, area.height, height))
    };
    let fitted = Rect { x, y, width, height };
    (fitted != window).then_some(fitted)
}

/// `start` moved to lie within `[low, low + room]`.
fn clamp(start: i32, low: i32, room: u32) -> i32 {
    let high = i64::from(low) + i64::from(room);
    i64::from(start).clamp(i64::from(low), high) as i32
}

fn centred(low: i32, span: u32, length: u32) -> i32 {
    (i64::from(low) + i64::from((span - length) / 2)) as i32
}

/// A window's state as the window-state plugin keeps it in its file: the inner size, the outer
/// position, and whether it was maximised (other fields are the plugin's own).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SavedWindow {
    pub width: u32,
    pub height: u32,
    pub x: i32,
    pub y: i32,
    #[serde(default)]
    pub maximized: bool,
}

/// The saved state of window `label` in the plugin's file `text`; `None` when there is none or
/// it is empty (the plugin's default, all zeros, which it does not restore either).
pub fn saved_window(text: &str, label: &str) -> Option<SavedWindow> {
    let mut states: std::collections::HashMap<String, SavedWindow> = serde_json::from_str(text).ok()?;
    states.remove(label).filter(|saved| saved.width > 0 && saved.height > 0)
}

/// Where the window must open instead of where the plugin (or the configuration) puts it: `None`
/// when that is within a work area, or the window opens maximised (the window manager's to
/// place). Without a saved state the window opens at `default_size`, centred on the primary
/// monitor.
pub fn opening_place(
    saved: Option<SavedWindow>,
    default_size: PhysicalSize<u32>,
    work_areas: &[Rect],
    primary: usize,
) -> Option<Rect> {
    let frame = match saved {
        Some(saved) if saved.maximized => return None,
        Some(saved) => Rect { x: saved.x, y: saved.y, width: saved.width, height: saved.height },
        None => {
            let area = work_areas.get(primary).or(work_areas.first())?;
            Rect {
                x: centred(area.x, area.width, default_size.width.min(area.width)),
                y: centred(area.y, area.height, default_size.height.min(area.height)),
                width: default_size.width,
                height: default_size.height,
            }
        }
    };
    fit(frame, work_areas, primary)
}

/// Keeps the main window, as the plugin restored it, within the screen (see the module's
/// comment). Call it at setup, before the window is shown; failures are logged and leave the
/// window as it is.
pub fn fit_to_screen<R: Runtime>(window: &WebviewWindow<R>) {
    if let Err(error) = try_fit(window) {
        tracing::warn!(%error, "the window could not be fitted to the screen");
    }
}

fn try_fit<R: Runtime>(window: &WebviewWindow<R>) -> Result<(), Box<dyn std::error::Error>> {
    let app = window.app_handle();
    let state_file = app.path().app_config_dir()?.join(app.filename());
    let saved = read_saved(&state_file, window.label());
    let monitors = window.available_monitors()?;
    let primary = window.primary_monitor()?;
    let primary_index =
        primary.as_ref().and_then(|p| monitors.iter().position(|m| same_monitor(m, p))).unwrap_or_default();
    let areas: Vec<Rect> = monitors.iter().map(work_area).collect();
    // Before the window is shown its scale is its monitor's, which is the primary one's at first.
    let scale = primary.as_ref().map_or(1.0, Monitor::scale_factor);
    let Some(config) = app.config().app.windows.iter().find(|w| w.label == window.label()) else { return Ok(()) };
    let default_size = LogicalSize::new(config.width, config.height).to_physical(scale);
    let Some(place) = opening_place(saved, default_size, &areas, primary_index) else { return Ok(()) };
    tracing::info!(?saved, ?place, "the window opens within the screen's work area");
    // The frame's title bar and borders are not known before the window is shown; the window
    // manager keeps them on screen.
    let size = PhysicalSize::new(place.width, place.height);
    // A screen smaller than the layout's minimum gets a window as big as it, not one past its edges.
    if let (Some(min_width), Some(min_height)) = (config.min_width, config.min_height) {
        let min: PhysicalSize<u32> = LogicalSize::new(min_width, min_height).to_physical(scale);
        if size.width < min.width || size.height < min.height {
            window.set_min_size(Some(PhysicalSize::new(min.width.min(size.width), min.height.min(size.height))))?;
        }
    }
    window.set_size(size)?;
    window.set_position(PhysicalPosition::new(place.x, place.y))?;
    Ok(())
}

/// The plugin's saved state of `label`, if its file has one (a file it can't read is its own
/// matter: it then opens the window as configured, and so does this).
fn read_saved(state_file: &Path, label: &str) -> Option<SavedWindow> {
    saved_window(&std::fs::read_to_string(state_file).ok()?, label)
}

fn work_area(monitor: &Monitor) -> Rect {
    let area = monitor.work_area();
    Rect { x: area.position.x, y: area.position.y, width: area.size.width, height: area.size.height }
}

fn same_monitor(a: &Monitor, b: &Monitor) -> bool {
    a.position() == b.position() && a.size() == b.size()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAPTOP: Rect = Rect { x: 0, y: 0, width: 1366, height: 740 };
    const RIGHT: Rect = Rect { x: 1366, y: 0, width: 2560, height: 1400 };

    fn rect(x: i32, y: i32, width: u32, height: u32) -> Rect {
        Rect { x, y, width, height }
    }

    #[test]
    fn a_window_within_its_work_area_stays_where_it_is() {
        assert_eq!(fit(rect(40, 20, 1280, 700), &[LAPTOP], 0), None);
        assert_eq!(fit(rect(1400, 100, 1600, 900), &[LAPTOP, RIGHT], 0), None, "on the second monitor");
        assert_eq!(fit(rect(0, 0, 1280, 800), &[rect(0, 0, 1280, 800)], 0), None, "the e2e's exact screen");
    }

    #[test]
    fn a_window_bigger_than_the_screen_shrinks_to_its_work_area() {
        assert_eq!(fit(rect(0, 0, 2400, 1300), &[LAPTOP], 0), Some(LAPTOP));
        assert_eq!(fit(rect(43, 0, 1280, 800), &[LAPTOP], 0), Some(rect(43, 0, 1280, 740)));
    }

    #[test]
    fn a_window_on_an_unplugged_monitor_is_centred_on_the_primary_one() {
        // Saved on the right-hand monitor, which is gone now.
        assert_eq!(fit(rect(1500, 100, 1600, 900), &[LAPTOP], 0), Some(rect(0, 0, 1366, 740)));
        assert_eq!(fit(rect(3000, 100, 1024, 640), &[LAPTOP], 0), Some(rect(171, 50, 1024, 640)));
        assert_eq!(fit(rect(-5000, -5000, 1024, 640), &[RIGHT, LAPTOP], 1), Some(rect(171, 50, 1024, 640)));
    }

    #[test]
    fn a_window_mostly_off_screen_comes_back_onto_the_monitor_it_is_most_on() {
        // One corner on the laptop: the plugin puts it there; it must come fully into view.
        assert_eq!(fit(rect(1300, 700, 1024, 640), &[LAPTOP], 0), Some(rect(342, 100, 1024, 640)));
        // Across two monitors, more on the right one.
        assert_eq!(fit(rect(1000, 50, 1280, 800), &[LAPTOP, RIGHT], 0), Some(rect(1366, 50, 1280, 800)));
    }

    #[test]
    fn no_monitor_leaves_the_window_alone() {
        assert_eq!(fit(rect(0, 0, 1280, 800), &[], 0), None);
        assert_eq!(opening_place(None, PhysicalSize::new(1280, 800), &[], 0), None);
    }

    // As tauri-plugin-window-state 2.5 writes its file.
    const PLUGIN_FILE: &str = r#"{
  "main": {
    "width": 1100,
    "height": 700,
    "x": 100,
    "y": 50,
    "prev_x": 90,
    "prev_y": 40,
    "maximized": false,
    "visible": true,
    "decorated": true,
    "fullscreen": false
  }
}"#;

    #[test]
    fn the_plugins_saved_state_is_read_and_an_empty_one_is_none() {
        let saved = SavedWindow { width: 1100, height: 700, x: 100, y: 50, maximized: false };
        assert_eq!(saved_window(PLUGIN_FILE, "main"), Some(saved));
        assert_eq!(saved_window(PLUGIN_FILE, "other"), None);
        assert_eq!(saved_window(r#"{"main":{"width":0,"height":0,"x":0,"y":0}}"#, "main"), None);
        assert_eq!(saved_window("not json", "main"), None);
    }

    const E2E_SCREEN: Rect = Rect { x: 0, y: 0, width: 1280, height: 800 };
    const DEFAULT: PhysicalSize<u32> = PhysicalSize { width: 1280, height: 800 };

    #[test]
    fn a_first_start_opens_at_the_default_size_unless_the_screen_is_smaller() {
        assert_eq!(opening_place(None, DEFAULT, &[E2E_SCREEN], 0), None, "as configured: 1280x800, centred");
        assert_eq!(opening_place(None, DEFAULT, &[LAPTOP], 0), Some(rect(43, 0, 1280, 740)));
        assert_eq!(opening_place(None, DEFAULT, &[RIGHT, LAPTOP], 1), Some(rect(43, 0, 1280, 740)), "the primary");
    }

    #[test]
    fn a_saved_window_opens_as_it_was_within_todays_screens() {
        let saved = |x, y, width, height| Some(SavedWindow { width, height, x, y, maximized: false });
        assert_eq!(opening_place(saved(100, 50, 1100, 700), DEFAULT, &[E2E_SCREEN], 0), None);
        assert_eq!(opening_place(saved(3000, 100, 2400, 1400), DEFAULT, &[E2E_SCREEN], 0), Some(E2E_SCREEN));
        assert_eq!(
            opening_place(saved(1000, 600, 1024, 640), DEFAULT, &[E2E_SCREEN], 0),
            Some(rect(256, 160, 1024, 640))
        );
        let maximized = Some(SavedWindow { maximized: true, ..saved(3000, 0, 2400, 1400).unwrap() });
        assert_eq!(opening_place(maximized, DEFAULT, &[E2E_SCREEN], 0), None, "the window manager's to place");
    }
}
