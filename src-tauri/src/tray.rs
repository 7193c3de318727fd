//! The tray icon, so the app can keep running (and its schedules keep firing) with the window
//! closed: its menu shows the next scheduled run, opens the window, pauses or resumes every
//! schedule and quits. Closing the window hides it while the tray is shown; where no tray can be
//! shown (a Linux desktop with no StatusNotifier host, as under Xvfb, or a tray that failed to
//! build) there is none, and closing the window quits as it always did.
//!
//! What the menu says and what a close does are pure functions (`next_run_label`, `pause_item`,
//! `close_action`); the rest wires them to Tauri.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Local, TimeZone, Utc};
use hubsync_api::schedules::{self, SchedulesSummary};
use hubsync_api::{ErrorCode, Workspace};
use hubsync_store::ScheduleScope;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, CloseRequestApi, Manager, Runtime, Window};

use crate::notices;
use crate::state::AppWorkspace;

const TRAY_ID: &str = "hubsync";
const NEXT_ITEM: &str = "tray-next";
const OPEN_ITEM: &str = "tray-open";
const PAUSE_ITEM: &str = "tray-pause";
const QUIT_ITEM: &str = "tray-quit";

/// What a schedule runs, in the tray's "Next:" line: "push changed leads".
fn scope_words(scope: ScheduleScope) -> &'static str {
    match scope {
        ScheduleScope::AllLeads => "push all leads",
        ScheduleScope::ChangedLeads => "push changed leads",
        ScheduleScope::PullRules => "pull",
    }
}

/// The tray's first line: "Next: push changed leads at 14:05" (tomorrow, a weekday or a date
/// when not today, in `zone`), "Schedules paused", or "No schedule" (none, or no portal:
/// `summary` is `None`).
pub fn next_run_label<Tz: TimeZone>(summary: Option<&SchedulesSummary>, now: DateTime<Utc>, zone: &Tz) -> String
where
    Tz::Offset: fmt::Display,
{
    let Some(summary) = summary.filter(|s| !s.schedules.is_empty()) else { return "No schedule".into() };
    // Every schedule paused, one by one or all at once, leaves no next run.
    let (false, Some(at), Some(id)) = (summary.paused_all, summary.next_run, summary.next_schedule_id) else {
        return "Schedules paused".into();
    };
    let when = when_words(at, now, zone);
    match summary.schedules.iter().find(|s| s.id == id) {
        Some(schedule) => format!("Next: {} {when}", scope_words(schedule.scope)),
        None => format!("Next run {when}"),
    }
}

/// "now", "at 14:05", "tomorrow at 07:00", "on Friday at 07:00", "on 20 June at 07:00".
fn when_words<Tz: TimeZone>(at: DateTime<Utc>, now: DateTime<Utc>, zone: &Tz) -> String
where
    Tz::Offset: fmt::Display,
{
    if at <= now {
        return "now".into();
    }
    let local = at.with_timezone(zone);
    let time = local.format("%H:%M");
    match (local.date_naive() - now.with_timezone(zone).date_naive()).num_days() {
        0 => format!("at {time}"),
        1 => format!("tomorrow at {time}"),
        2..=6 => format!("on {} at {time}", local.format("%A")),
        _ => format!("on {} at {time}", local.format("%-d %B")),
    }
}

/// The pause item: what it says, and whether it can be used (not without a schedule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PauseItem {
    pub text: &'static str,
    pub enabled: bool,
}

pub fn pause_item(summary: Option<&SchedulesSummary>) -> PauseItem {
    match summary.filter(|s| !s.schedules.is_empty()) {
        None => PauseItem { text: "Pause all schedules", enabled: false },
        Some(summary) if summary.paused_all => PauseItem { text: "Resume all schedules", enabled: true },
        Some(_) => PauseItem { text: "Pause all schedules", enabled: true },
    }
}

/// What closing the main window does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseAction {
    /// The window closes and, being the last, the app quits.
    Close,
    /// The window hides and the app keeps running in the tray; `tell` the admin so, the first time.
    Hide { tell: bool },
}

/// Closing hides the window while a tray is shown (the only way back to it), unless the admin
/// chose "Quit Hubsync"; `told` is whether they were told already that the app stays in the tray.
pub fn close_action(tray_shown: bool, quitting: bool, told: bool) -> CloseAction {
    if tray_shown && !quitting { CloseAction::Hide { tell: !told } } else { CloseAction::Close }
}

/// Why the app has no tray icon (logged; closing the window then quits).
#[derive(Debug)]
enum NoTray {
    /// No session bus to ask: GIO would start one through `dbus-launch`, which is not ours to do.
    #[cfg(target_os = "linux")]
    NoSessionBus,
    /// The session bus has no StatusNotifierWatcher, or one with no host showing its icons.
    #[cfg(target_os = "linux")]
    NoHost,
    #[cfg(target_os = "linux")]
    Bus(String),
    NoIcon,
    Build(String),
    /// The AppIndicator library could not be loaded (its loader panics).
    NoLibrary,
}

impl fmt::Display for NoTray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(target_os = "linux")]
            NoTray::NoSessionBus => write!(f, "no D-Bus session bus"),
            #[cfg(target_os = "linux")]
            NoTray::NoHost => write!(f, "no StatusNotifier host on the session bus"),
            #[cfg(target_os = "linux")]
            NoTray::Bus(error) => write!(f, "the session bus could not be asked for a tray: {error}"),
            NoTray::NoIcon => write!(f, "the app has no icon"),
            NoTray::Build(error) => write!(f, "the tray icon could not be made: {error}"),
            NoTray::NoLibrary => write!(f, "the AppIndicator library could not be loaded"),
        }
    }
}

impl From<tauri::Error> for NoTray {
    fn from(error: tauri::Error) -> Self {
        NoTray::Build(error.to_string())
    }
}

/// Whether a session bus exists to ask, without starting one: its address in the environment,
/// or the per-user bus socket in the runtime folder.
#[cfg(any(target_os = "linux", test))]
fn session_bus_known(address: Option<&std::ffi::OsStr>, runtime_bus_exists: bool) -> bool {
    address.is_some_and(|a| !a.is_empty()) || runtime_bus_exists
}

/// Whether this desktop shows tray icons now. Linux shows the AppIndicator icon Tauri makes only
/// through a StatusNotifier host (a panel, GNOME's AppIndicator extension); without one the icon
/// is made but never seen.
#[cfg(target_os = "linux")]
fn tray_host() -> Result<(), NoTray> {
    use gio::glib::{Variant, VariantTy, prelude::ToVariant};
    use gio::{BusType, Cancellable, DBusCallFlags};

    const WATCHER: &str = "org.kde.StatusNotifierWatcher";
    const TIMEOUT_MS: i32 = 1_000;
    let runtime_bus =
        std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists());
    if !session_bus_known(std::env::var_os("DBUS_SESSION_BUS_ADDRESS").as_deref(), runtime_bus) {
        return Err(NoTray::NoSessionBus);
    }
    let bus_error = |error: gio::glib::Error| NoTray::Bus(error.to_string());
    let bus = gio::bus_get_sync(BusType::Session, Cancellable::NONE).map_err(bus_error)?;
    let call = |name: &str, path: &str, interface: &str, method: &str, args: Variant, reply: &str| {
        bus.call_sync(
            Some(name),
            path,
            interface,
            method,
            Some(&args),
            VariantTy::new(reply).ok(),
            DBusCallFlags::NONE,
            TIMEOUT_MS,
            Cancellable::NONE,
        )
    };
    let (owned,) = call(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameHasOwner",
        (WATCHER,).to_variant(),
        "(b)",
    )
    .map_err(bus_error)?
    .get::<(bool,)>()
    .ok_or_else(|| NoTray::Bus("NameHasOwner answered no boolean".into()))?;
    if !owned {
        return Err(NoTray::NoHost);
    }
    // A watcher whose host is gone (a panel that quit) shows nothing; one that can't say is trusted.
    let host = call(
        WATCHER,
        "/StatusNotifierWatcher",
        "org.freedesktop.DBus.Properties",
        "Get",
        (WATCHER, "IsStatusNotifierHostRegistered").to_variant(),
        "(v)",
    );
    match host.ok().and_then(|reply| reply.get::<(Variant,)>()).and_then(|(value,)| value.get::<bool>()) {
        Some(false) => Err(NoTray::NoHost),
        _ => Ok(()),
    }
}

/// Windows' notification area and macOS's menu bar are always there.
#[cfg(not(target_os = "linux"))]
fn tray_host() -> Result<(), NoTray> {
    Ok(())
}

/// The shown tray and the items whose words change.
struct TrayMenu<R: Runtime> {
    icon: TrayIcon<R>,
    next: MenuItem<R>,
    pause: MenuItem<R>,
}

impl<R: Runtime> TrayMenu<R> {
    fn show(&self, summary: Option<&SchedulesSummary>, now: DateTime<Utc>) {
        let label = next_run_label(summary, now, &Local);
        let pause = pause_item(summary);
        let shown = self
            .next
            .set_text(&label)
            .and_then(|()| self.pause.set_text(pause.text))
            .and_then(|()| self.pause.set_enabled(pause.enabled))
            .and_then(|()| self.icon.set_tooltip(Some(format!("Hubsync · {label}"))));
        if let Err(error) = shown {
            tracing::debug!(%error, "the tray's menu could not be updated");
        }
    }
}

/// The app's tray, once shown, and how closing the window goes.
pub struct AppTray<R: Runtime> {
    menu: OnceLock<TrayMenu<R>>,
    /// The admin was told the app keeps running in the tray (once per start).
    told: AtomicBool,
    /// "Quit Hubsync" was chosen: the window closes for good.
    quitting: AtomicBool,
}

impl<R: Runtime> Default for AppTray<R> {
    fn default() -> Self {
        AppTray { menu: OnceLock::new(), told: AtomicBool::new(false), quitting: AtomicBool::new(false) }
    }
}

impl<R: Runtime> AppTray<R> {
    /// Whether the tray is shown and can still be seen: a desktop's host may have gone since.
    fn seen(&self) -> bool {
        if self.menu.get().is_none() {
            return false;
        }
        match tray_host() {
            Ok(()) => true,
            Err(why) => {
                tracing::warn!(%why, "the tray can no longer be seen: closing the window quits the app");
                false
            }
        }
    }
}

/// Shows the tray icon when this desktop has a tray, on the main thread (the app's `setup`).
/// Without one, or when it fails to build, the app runs without it, logged.
pub fn install<R: Runtime>(app: &AppHandle<R>) {
    app.manage(AppTray::<R>::default());
    match build(app) {
        Ok(menu) => {
            menu.show(None, Utc::now());
            if app.state::<AppTray<R>>().menu.set(menu).is_err() {
                tracing::warn!("the tray was shown already");
            }
            tracing::info!("the tray icon is shown: closing the window hides it");
        }
        Err(why) => tracing::warn!(%why, "no tray icon: closing the window quits the app"),
    }
}

fn build<R: Runtime>(app: &AppHandle<R>) -> Result<TrayMenu<R>, NoTray> {
    tray_host()?;
    let image = app.default_window_icon().cloned().ok_or(NoTray::NoIcon)?;
    let no_shortcut = None::<&str>;
    let next = MenuItem::with_id(app, NEXT_ITEM, "No schedule", false, no_shortcut)?;
    let open = MenuItem::with_id(app, OPEN_ITEM, "Open Hubsync", true, no_shortcut)?;
    let pause = MenuItem::with_id(app, PAUSE_ITEM, "Pause all schedules", false, no_shortcut)?;
    let quit = MenuItem::with_id(app, QUIT_ITEM, "Quit Hubsync", true, no_shortcut)?;
    let menu = Menu::with_items(
        app,
        &[&next, &PredefinedMenuItem::separator(app)?, &open, &pause, &PredefinedMenuItem::separator(app)?, &quit],
    )?;
    let builder = TrayIconBuilder::with_id(TRAY_ID)
        .icon(image)
        .tooltip("Hubsync")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(on_menu_event);
    // On Linux the icon's library is loaded when the first icon is made, and its loader panics
    // when the library is missing: that is a desktop without a tray, not a reason to crash.
    let icon = catch_unwind(AssertUnwindSafe(|| builder.build(app))).map_err(|_| NoTray::NoLibrary)??;
    Ok(TrayMenu { icon, next, pause })
}

fn on_menu_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    match event.id().as_ref() {
        OPEN_ITEM => crate::show_main_window(app),
        PAUSE_ITEM => toggle_pause_all(app.clone()),
        QUIT_ITEM => {
            tracing::info!("quit from the tray");
            app.state::<AppTray<R>>().quitting.store(true, Ordering::SeqCst);
            app.exit(0);
        }
        _ => {}
    }
}

/// "Pause all schedules" or "Resume all schedules", whichever the active portal's schedules
/// are not now.
fn toggle_pause_all<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let workspace = match app.state::<AppWorkspace>().inner().get().await {
            Ok(workspace) => workspace,
            Err(error) => {
                tracing::warn!(%error, "schedules can't be paused without the store");
                return;
            }
        };
        let now = Utc::now();
        let toggled = {
            let mut store = workspace.store.lock().await;
            schedules::active_summary(&store, now)
                .and_then(|summary| schedules::set_all_paused(&mut store, !summary.paused_all, now))
        };
        match toggled {
            Ok(summary) => {
                tracing::info!(paused = summary.paused_all, "every schedule paused or resumed from the tray");
                if let Some(menu) = app.state::<AppTray<R>>().menu.get() {
                    menu.show(Some(&summary), now);
                }
            }
            Err(error) => tracing::warn!(%error, "the schedules could not be paused or resumed"),
        }
    });
}

/// Shows the active portal's next scheduled run in the tray, if one is shown.
pub async fn show_schedules<R: Runtime>(app: &AppHandle<R>, workspace: &Workspace) {
    let tray = app.state::<AppTray<R>>();
    let Some(menu) = tray.menu.get() else { return };
    let now = Utc::now();
    let summary = match schedules::active_summary(&*workspace.store.lock().await, now) {
        Ok(summary) => Some(summary),
        Err(error) if error.code == ErrorCode::NotConnected => None,
        Err(error) => {
            tracing::debug!(%error, "the tray could not read the schedules");
            None
        }
    };
    menu.show(summary.as_ref(), now);
}

/// The main window was asked to close: hidden while the tray is seen (told the first time), else
/// closed, which quits the app.
pub fn on_close_requested<R: Runtime>(window: &Window<R>, api: &CloseRequestApi) {
    let app = window.app_handle();
    let tray = app.state::<AppTray<R>>();
    let action = close_action(tray.seen(), tray.quitting.load(Ordering::SeqCst), tray.told.load(Ordering::SeqCst));
    let CloseAction::Hide { tell } = action else { return };
    api.prevent_close();
    match window.hide() {
        Ok(()) => tracing::info!("the window is hidden: the app keeps running in the tray"),
        Err(error) => tracing::warn!(%error, "the window could not be hidden"),
    }
    if tell {
        tray.told.store(true, Ordering::SeqCst);
        notices::inform(app, "Hubsync", "Hubsync is still running in the tray; quit from its menu.");
    }
}

#[cfg(test)]
mod tests {
    use chrono::FixedOffset;
    use hubsync_api::schedules::{CadenceSpec, ScheduleView};

    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
    }

    fn schedule(id: i64, scope: ScheduleScope, next_run: Option<DateTime<Utc>>) -> ScheduleView {
        ScheduleView {
            id,
            portal_id: 1,
            scope,
            cadence: CadenceSpec::Every { minutes: 60 },
            zone: "UTC".into(),
            paused: next_run.is_none(),
            notify_success: false,
            next_run,
            last: None,
        }
    }

    /// A portal's schedules, the next run the first of theirs, as `schedules::summary` makes it.
    fn summary(paused_all: bool, schedules: Vec<ScheduleView>) -> SchedulesSummary {
        let next = schedules.iter().filter_map(|s| s.next_run.map(|at| (at, s.id))).min().filter(|_| !paused_all);
        SchedulesSummary {
            paused_all,
            schedules,
            next_schedule_id: next.map(|n| n.1),
            next_run: next.map(|n| n.0),
            last_schedule_id: None,
            last: None,
        }
    }

    // Monday 2 June 2025, 12:00 at two hours east of UTC.
    const NOW: &str = "2025-06-02T10:00:00Z";

    fn label(next: &str, scope: ScheduleScope) -> String {
        let zone = FixedOffset::east_opt(2 * 3600).unwrap();
        let summary =
            summary(false, vec![schedule(1, ScheduleScope::PullRules, None), schedule(2, scope, Some(at(next)))]);
        next_run_label(Some(&summary), at(NOW), &zone)
    }

    #[test]
    fn the_next_run_is_named_with_its_local_time_and_day() {
        assert_eq!(label("2025-06-02T12:05:00Z", ScheduleScope::ChangedLeads), "Next: push changed leads at 14:05");
        assert_eq!(label("2025-06-03T05:00:00Z", ScheduleScope::AllLeads), "Next: push all leads tomorrow at 07:00");
        // 00:30 on Tuesday where the admin is, though still Monday in UTC.
        assert_eq!(label("2025-06-02T22:30:00Z", ScheduleScope::PullRules), "Next: pull tomorrow at 00:30");
        assert_eq!(label("2025-06-06T05:00:00Z", ScheduleScope::PullRules), "Next: pull on Friday at 07:00");
        assert_eq!(label("2025-06-20T05:00:00Z", ScheduleScope::PullRules), "Next: pull on 20 June at 07:00");
        // Due (a firing is under way or comes at the next look).
        assert_eq!(label(NOW, ScheduleScope::ChangedLeads), "Next: push changed leads now");
    }

    #[test]
    fn no_schedule_or_every_schedule_paused_says_so_and_sets_the_pause_item() {
        let zone = FixedOffset::east_opt(0).unwrap();
        let now = at(NOW);
        assert_eq!(next_run_label(None, now, &zone), "No schedule", "no portal");
        assert_eq!(pause_item(None), PauseItem { text: "Pause all schedules", enabled: false });
        let none = summary(false, Vec::new());
        assert_eq!(next_run_label(Some(&none), now, &zone), "No schedule");
        assert_eq!(pause_item(Some(&none)), PauseItem { text: "Pause all schedules", enabled: false });

        let next = Some(at("2025-06-02T11:00:00Z"));
        let running = summary(false, vec![schedule(1, ScheduleScope::AllLeads, next)]);
        assert_eq!(next_run_label(Some(&running), now, &zone), "Next: push all leads at 11:00");
        assert_eq!(pause_item(Some(&running)), PauseItem { text: "Pause all schedules", enabled: true });

        let all_paused = summary(true, vec![schedule(1, ScheduleScope::AllLeads, next)]);
        assert_eq!(next_run_label(Some(&all_paused), now, &zone), "Schedules paused");
        assert_eq!(pause_item(Some(&all_paused)), PauseItem { text: "Resume all schedules", enabled: true });

        let each_paused = summary(false, vec![schedule(1, ScheduleScope::AllLeads, None)]);
        assert_eq!(next_run_label(Some(&each_paused), now, &zone), "Schedules paused");
        assert_eq!(pause_item(Some(&each_paused)), PauseItem { text: "Pause all schedules", enabled: true });
    }

    #[test]
    fn closing_hides_the_window_only_while_a_tray_is_seen_and_tells_the_admin_once() {
        assert_eq!(close_action(true, false, false), CloseAction::Hide { tell: true });
        assert_eq!(close_action(true, false, true), CloseAction::Hide { tell: false }, "told once");
        assert_eq!(close_action(true, true, false), CloseAction::Close, "\"Quit Hubsync\" closes for good");
        assert_eq!(close_action(false, false, false), CloseAction::Close, "no tray: closing quits as before");
        assert_eq!(close_action(false, false, true), CloseAction::Close);
    }

    #[test]
    fn a_session_bus_is_asked_only_where_one_exists() {
        use std::ffi::OsStr;
        assert!(session_bus_known(Some(OsStr::new("unix:path=/run/user/1000/bus")), false));
        assert!(session_bus_known(None, true), "the runtime folder's bus");
        assert!(!session_bus_known(None, false), "GIO would start one: not asked");
        assert!(!session_bus_known(Some(OsStr::new("")), false));
    }
}
