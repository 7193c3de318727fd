//! The command line, as clap types. Every command and flag is documented here: this is what
//! `--help` prints.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hubsync_store::{FieldType, MappingSource, TokenKind, WriteRule};

/// Hubsync from the command line: connect to HubSpot and manage the lead store the desktop app
/// uses (lead fields, leads, the mapping to HubSpot contact properties, push rules).
///
/// Errors go to stderr as `error: …` (exit status 1); with --json they go to stdout as
/// {"error":{"code":…,"message":…}}. A command line that can't be parsed exits with status 2; a
/// live run a guardrail held (`held_by_guardrail`, nothing written) with status 3.
#[derive(Debug, Parser)]
#[command(name = "hubsync", version, propagate_version = true)]
pub struct Cli {
    /// The lead store (SQLite). Default: the desktop app's, `<data dir>/app.hubsync.desktop/hubsync.db`
    /// (on Linux `~/.local/share/app.hubsync.desktop/hubsync.db`). The folder is created if needed.
    #[arg(long, global = true, env = "HUBSYNC_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Print machine-readable JSON on stdout instead of tables (errors too: {"error":{…}}).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Connect a HubSpot portal: in the browser (OAuth), or with a private app token.
    ///
    /// `--oauth` opens HubSpot's consent page in your browser; you pick the portal and approve,
    /// and a one-time listener on http://localhost:PORT/callback (loopback only) receives the
    /// answer. The app asks for the scopes oauth, crm.objects.contacts.read,
    /// crm.objects.contacts.write and crm.objects.owners.read; a portal that doesn't grant all
    /// of them is refused by name. `--token` takes a private app token or service key instead.
    ///
    /// Before anything is saved, the token must read the account details, one page of contacts,
    /// the owners and the contact properties. The refresh token (or private token) is then kept
    /// in the OS keychain, never in the lead store or any output; where no keychain is available
    /// the connection is refused unless you pass --insecure-file-store. The portal becomes the
    /// active one; a portal connected before gets back its mapping, rules and lead links.
    Connect(ConnectArgs),
    /// The portals this store has been connected to, and which one is active.
    #[command(subcommand)]
    Portals(PortalsCommand),
    /// Check the active portal's connection: token, contacts read, owners read, rate limit.
    ///
    /// Each check is shown as passed or failed with the reason and its round-trip time; the
    /// exit status is 1 when any failed.
    TestConnection,
    /// Show the connection, what the store holds, the push rules, and the portal's rate limit.
    ///
    /// When connected, one cheap call (account details) reads the rate limit HubSpot reports;
    /// if the portal can't be reached, the local part is still shown with the reason.
    Status,
    /// Lead fields: the built-in ones and your own.
    #[command(subcommand)]
    Fields(FieldsCommand),
    /// Leads in the local store.
    #[command(subcommand)]
    Leads(LeadsCommand),
    /// Which lead field goes to which HubSpot contact property, and how.
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// What a push may do, and what a pull brings in.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Companies: their fields, which field fills which HubSpot company property, the rules for
    /// associating leads with companies, and the free-mail domains that name no company.
    #[command(subcommand)]
    Companies(CompaniesCommand),
    /// Push leads to HubSpot: a read-only preview, or the live run.
    ///
    /// Reads what HubSpot holds for the selected leads (all, or those named by --email) and
    /// plans each one: update (only the fields that differ, honouring each mapping's write
    /// rule), create (when the push rules allow), skip with the reason, or invalid with every
    /// reason. With --preview the plan is shown and kept as a preview run; nothing is written.
    /// Without it, the plan is written after a confirmation (--yes on a script), in batches of
    /// 100, as a journaled run: Ctrl-C, a lost network or the daily limit leave it resumable
    /// with `hubsync runs resume RUN`. A blank lead value never clears a HubSpot value, and an
    /// update never changes the contact's email.
    Push(PushArgs),
    /// Pull HubSpot contacts into the lead store: a read-only preview, or the live run.
    ///
    /// Reads the contacts the pull rules select (`hubsync rules pull`): every contact through
    /// the contacts list, or a filter through search, in windows that read past 10,000 matches.
    /// Each mapped property fills its lead field, converted to the field's type; `if-empty`
    /// mappings fill only empty fields; a blank HubSpot value never clears a lead's value. A
    /// contact whose email (any case) or id is in the store updates that lead; a contact without
    /// an email is skipped and counted. With --preview nothing is written; without it, the plan
    /// is applied after a confirmation (--yes on a script).
    Pull(PullArgs),
    /// The portal's contact owners.
    #[command(subcommand)]
    Owners(OwnersCommand),
    /// Custom fields, the mapping, push rules and pull rules as one JSON file, to keep under
    /// version control or move to another laptop.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The history of previews and live runs: show, export, resume and undo them, approve or
    /// refuse the runs a guardrail held.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Show the active portal's guardrails, or change them: the limits every live run is held to.
    ///
    /// A live push, pull or undo whose plan would create more than --max-creates records, overwrite
    /// a non-empty value of more than --max-overwrites records (a count, or a share of the plan's
    /// rows as `20%`), or archive more than --max-archives, writes nothing: it is kept as a held
    /// preview, which `hubsync runs approve RUN` runs once and `hubsync runs refuse RUN` drops. A run
    /// whose failed rows pass --max-failed-share (percent of the rows written, judged after a batch)
    /// stops itself between batches, resumable. `none` removes a limit. Carried by `config export`.
    Guardrails(GuardrailFlags),
    /// Scheduled pushes and pulls of the active portal: list, add, remove, pause, and run-due.
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Disconnect a portal (default: the active one).
    ///
    /// An OAuth connection's refresh token is revoked at HubSpot; the token is deleted from the
    /// keychain, and syncing with that portal stops. Its mapping, rules, leads, lead links and
    /// runs are kept: connecting the same portal again brings them back. HUBSYNC_TOKEN, if you
    /// set it, is yours to unset.
    Disconnect(DisconnectArgs),
}

#[derive(Debug, Subcommand)]
pub enum PortalsCommand {
    /// Every portal this store knows, the active one first, with its status.
    List,
    /// Make a portal the active one: syncs, the mapping and the rules are its from now on.
    Use {
        /// The portal's id, or its name (domain) as `portals list` shows it.
        portal: String,
    },
    /// Keep a share of the portal's daily API limit free for its other apps (default 10 %): a
    /// run stops, resumable, before it would use it.
    Reserve {
        /// Percent of the daily limit, 0 to 90.
        percent: u8,
        /// The portal's id or name; default: the active portal.
        #[arg(long)]
        portal: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct DisconnectArgs {
    /// The portal's id or name; default: the active portal.
    pub portal: Option<String>,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Plan and show what would change, write nothing (kept in the history as a preview run).
    #[arg(long)]
    pub preview: bool,

    /// Push only this lead (by email, any case). Repeatable; default: every lead.
    #[arg(long, value_name = "E")]
    pub email: Vec<String>,

    /// Run without asking for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y', conflicts_with = "preview")]
    pub yes: bool,

    /// Batches in flight at once; the portal's rate limit paces them whatever this is.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,

    #[command(flatten)]
    pub limits: GuardrailFlags,
}

/// Limits over the saved guardrails (`hubsync guardrails`), for one run or to save.
#[derive(Clone, Debug, Default, Args)]
pub struct GuardrailFlags {
    /// Hold the run when it would create more than N records (contacts and companies; leads for
    /// a pull). `none`: no limit.
    #[arg(long, value_name = "N|none", value_parser = parse_count)]
    pub max_creates: Option<Limit>,

    /// Hold the run when more than N records, or more than P % of the plan's rows (`20%`), would
    /// have a non-empty value overwritten. Give it twice for both; `none`: no limit.
    #[arg(long, value_name = "N|P%|none", value_parser = parse_count_or_share)]
    pub max_overwrites: Vec<Limit>,

    /// Hold the run when it would archive more than N records (an undo). `none`: no limit.
    #[arg(long, value_name = "N|none", value_parser = parse_count)]
    pub max_archives: Option<Limit>,

    /// Stop the run between batches once more than P % of the rows written failed (judged after
    /// a batch); it stays resumable. `none`: never.
    #[arg(long, value_name = "P|none", value_parser = parse_share)]
    pub max_failed_share: Option<Limit>,
}

/// A guardrail's value as typed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    Count(u64),
    Percent(f64),
    Off,
}

fn parse_count(raw: &str) -> Result<Limit, String> {
    match parse_count_or_share(raw)? {
        Limit::Percent(_) => Err("a number of records (a share is not allowed here)".into()),
        limit => Ok(limit),
    }
}

fn parse_share(raw: &str) -> Result<Limit, String> {
    let raw = raw.trim();
    if matches!(raw, "none" | "off") {
        return Ok(Limit::Off);
    }
    let number = raw.strip_suffix('%').unwrap_or(raw).trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=100.0).contains(&p) => Ok(Limit::Percent(p)),
        _ => Err(format!("{raw:?} is not a percentage from 0 to 100 (or none)")),
    }
}

fn parse_count_or_share(raw: &str) -> Result<Limit, String> {
    let raw = raw.trim();
    if raw.ends_with('%') {
        return parse_share(raw);
    }
    if matches!(raw, "none" | "off") {
        return Ok(Limit::Off);
    }
    raw.parse::<u64>().map(Limit::Count).map_err(|_| format!("{raw:?} is not a whole number of records (or none)"))
}

impl GuardrailFlags {
    pub fn is_empty(&self) -> bool {
        self.max_creates.is_none()
            && self.max_overwrites.is_empty()
            && self.max_archives.is_none()
            && self.max_failed_share.is_none()
    }

    /// `saved` with these flags in place of what they name.
    pub fn over(&self, saved: &hubsync_store::Guardrails) -> hubsync_store::Guardrails {
        let count = |limit: Option<Limit>, saved: Option<u64>| match limit {
            Some(Limit::Count(n)) => Some(n),
            Some(Limit::Off) => None,
            Some(Limit::Percent(_)) | None => saved,
        };
        let share = |limit: Option<Limit>, saved: Option<f64>| match limit {
            Some(Limit::Percent(p)) => Some(p),
            Some(Limit::Off) => None,
            Some(Limit::Count(_)) | None => saved,
        };
        let mut limits = hubsync_store::Guardrails {
            max_creates: count(self.max_creates, saved.max_creates),
            max_archives: count(self.max_archives, saved.max_archives),
            max_failed_percent: share(self.max_failed_share, saved.max_failed_percent),
            ..saved.clone()
        };
        for overwrites in &self.max_overwrites {
            match *overwrites {
                Limit::Count(n) => limits.max_overwrites = Some(n),
                Limit::Percent(p) => limits.max_overwrite_percent = Some(p),
                // `none` lifts both.
                Limit::Off => (limits.max_overwrites, limits.max_overwrite_percent) = (None, None),
            }
        }
        limits
    }
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// The active portal's schedules: what, when, the next run and the last outcome.
    List,
    /// Schedule a push or a pull of the active portal.
    ///
    /// Its slots count from now: `--every 15m` first fires in 15 minutes. Each firing previews,
    /// checks the guardrails and runs (or is held for approval), as a live run you start does;
    /// it never starts while another run of the portal is under way: it waits for its next slot
    /// and says so. The app fires schedules while it runs (also with its window closed, from the
    /// tray); `hubsync schedule run-due` fires them from cron or a systemd timer.
    Add(ScheduleAddArgs),
    /// Remove a schedule; the runs it started stay in the history.
    Remove(ScheduleIdArgs),
    /// Pause a schedule (or, with --all, every schedule of the portal).
    Pause(SchedulePauseArgs),
    /// Let a paused schedule fire again (with --all, lift "pause all"), from now on: the slots it
    /// slept through are not made up.
    Resume(SchedulePauseArgs),
    /// Fire whatever is due now, once, and exit: for a cron job or a systemd user timer.
    ///
    /// A schedule missed (nothing was running) fires once, however many of its slots passed. A
    /// slot is fired by one process only, even with the app open at the same moment. Exits with 1
    /// when a firing failed, 3 when one was held by a guardrail, 0 otherwise (a schedule that
    /// waited for another run is not an error).
    RunDue,
    /// Print (or, with --dir, write) a systemd user service and timer that run `run-due` every
    /// minute with this store: `hubsync-schedule.service` and `hubsync-schedule.timer`.
    ///
    /// Install with `hubsync schedule systemd --dir ~/.config/systemd/user`, then
    /// `systemctl --user daemon-reload && systemctl --user enable --now hubsync-schedule.timer`.
    Systemd(SystemdArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["push_all", "push_changed", "pull"]))]
#[command(group = clap::ArgGroup::new("when").required(true).args(["every", "daily", "weekdays"]))]
pub struct ScheduleAddArgs {
    /// Push every lead.
    #[arg(long)]
    pub push_all: bool,
    /// Push the leads changed since their last push (never pushed, or edited since).
    #[arg(long)]
    pub push_changed: bool,
    /// Pull by the portal's saved pull rules (`hubsync rules pull`).
    #[arg(long)]
    pub pull: bool,
    /// Every interval: `15m`, `2h`, `90` (minutes); 1 minute to 7 days.
    #[arg(long, value_name = "INTERVAL")]
    pub every: Option<String>,
    /// Every day at this time, HH:MM (24-hour), in --zone.
    #[arg(long, value_name = "HH:MM")]
    pub daily: Option<String>,
    /// Monday to Friday at this time, HH:MM (24-hour), in --zone.
    #[arg(long, value_name = "HH:MM")]
    pub weekdays: Option<String>,
    /// The IANA time zone of --daily and --weekdays ("Europe/Paris"). Default: this computer's.
    #[arg(long, value_name = "ZONE")]
    pub zone: Option<String>,
    /// Also notify (in the app) when a run completes; failed, held and stopped runs always do.
    #[arg(long)]
    pub notify_success: bool,
}

#[derive(Debug, Args)]
pub struct ScheduleIdArgs {
    /// The schedule's id (`hubsync schedule list`).
    pub id: i64,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["id", "all"]))]
pub struct SchedulePauseArgs {
    /// The schedule's id (`hubsync schedule list`).
    pub id: Option<i64>,
    /// Every schedule of the active portal ("pause all").
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct SystemdArgs {
    /// Write the two units into this folder (created if missing) instead of printing them.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write the configuration to FILE (replaced whole).
    Export(ConfigFileArgs),
    /// Apply FILE: custom fields it defines are added (one of the same name must have the same
    /// type), and the mapping, the push rules and the pull rules are replaced. The file is
    /// checked whole first; any problem changes nothing.
    Import(ConfigFileArgs),
}

#[derive(Debug, Args)]
pub struct ConfigFileArgs {
    /// The JSON file.
    pub file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum OwnersCommand {
    /// Every owner, active and deactivated: id, name, email. Read from HubSpot and kept in the
    /// store, so leads show their owner (by the `owner_email` field) offline too; when HubSpot
    /// can't be reached, the owners as last read, with a warning.
    List,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Plan and show what would change in the store; write nothing.
    #[arg(long)]
    pub preview: bool,

    /// Apply without asking for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y', conflicts_with = "preview")]
    pub yes: bool,

    #[command(flatten)]
    pub limits: GuardrailFlags,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Every run, newest first: kind, mode, status, start, duration, API calls, counts.
    List,
    /// One run with every row: action, outcome, contact, each field's before and after, errors.
    Show(RunArgs),
    /// Finish a live run that stopped early (crash, Ctrl-C, lost network, daily limit).
    ///
    /// Sends the rows still pending again; updates by id and upserts by email land once however
    /// often they are sent, so nothing is written twice and no contact is duplicated.
    Resume(ResumeArgs),
    /// Write a run's results as two CSV files in DIR: `run-N-success.csv` and `run-N-errors.csv`.
    ///
    /// Each row has the run's original columns (its values by lead field, as the run saw them),
    /// then hubspot_contact_id, action, outcome and message. The error file has the failed,
    /// invalid and still-pending rows; the success file every other row. Text a spreadsheet
    /// would run as a formula (starting with =, +, -, @) is written with a leading `'`.
    Export(RunExportArgs),
    /// Undo a live push: put back the HubSpot values it overwrote (preview first with --preview).
    ///
    /// Reads what HubSpot holds now for every contact the run wrote. A contact whose value
    /// changed since the run (someone edited a property the run wrote) is flagged and left
    /// alone unless you pass --force. Contacts the run created are kept unless you pass
    /// --archive-created (HubSpot keeps archived contacts restorable for 90 days). Values in the
    /// local store are not changed: the next push would write them again. An interrupted undo
    /// resumes with `hubsync runs resume`.
    Undo(UndoArgs),
    /// Run a held run once: the live run a guardrail held (nothing was written), planned again
    /// from what HubSpot and the leads hold now and run if it does no more than was held (it
    /// stays held otherwise). `hubsync runs show RUN` shows what it would do.
    Approve(ApproveArgs),
    /// Refuse a held run: it is never run; the history keeps it.
    Refuse(RunArgs),
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The held run's id (`hubsync runs list` marks it held).
    pub run: i64,

    /// Run without asking for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Batches in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
}

#[derive(Debug, Args)]
pub struct RunExportArgs {
    /// The run's id (`hubsync runs list`).
    pub run: i64,
    /// The folder to write the two files into (created if missing; files of the same names are replaced).
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The live push to undo (`hubsync runs list`).
    pub run: i64,

    /// Show what the undo would write, write nothing (kept in the history as a preview run).
    #[arg(long)]
    pub preview: bool,

    /// Also archive the contacts the run created.
    #[arg(long)]
    pub archive_created: bool,

    /// Also restore rows HubSpot changed since the run, overwriting those later edits; and undo
    /// a run that was undone already.
    #[arg(long)]
    pub force: bool,

    /// Run without asking for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y', conflicts_with = "preview")]
    pub yes: bool,

    /// Batches in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,

    #[command(flatten)]
    pub limits: GuardrailFlags,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The run's id (`hubsync runs list`).
    pub run: i64,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The run's id (`hubsync runs list`).
    pub run: i64,

    /// Batches in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,

    /// Stop between batches once more than P % of the rows written in this session failed (over
    /// the saved guardrail); `none`: never.
    #[arg(long, value_name = "P|none", value_parser = parse_share)]
    pub max_failed_share: Option<Limit>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("method").required(true).args(["oauth", "token"]))]
pub struct ConnectArgs {
    /// Connect in the browser with HubSpot's OAuth consent page.
    #[arg(long)]
    pub oauth: bool,

    /// A private app token or service key instead. `-` reads it from stdin, which keeps it out
    /// of the shell's history and the process list: `hubsync connect --token -`.
    #[arg(long, value_name = "TOKEN|-")]
    pub token: Option<String>,

    /// Your HubSpot app's client id (once; later connections reuse it). Not needed with a build
    /// that has an app compiled in.
    #[arg(long, value_name = "ID", requires = "oauth")]
    pub client_id: Option<String>,

    /// Your HubSpot app's client secret, `-` to read it from stdin. Kept in the keychain, so
    /// it is asked for once per app.
    #[arg(long, value_name = "SECRET|-", requires = "oauth")]
    pub client_secret: Option<String>,

    /// The callback port (registered on the app as http://localhost:PORT/callback). Default:
    /// 42813, then 42814 and 42815 if it is busy.
    #[arg(long, value_name = "N", requires = "oauth")]
    pub port: Option<u16>,

    /// Print the consent page's address instead of opening a browser (for another machine's
    /// browser, or a browser of your choice).
    #[arg(long, requires = "oauth")]
    pub no_browser: bool,

    /// How long to wait for the approval, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, requires = "oauth")]
    pub timeout: u64,

    /// HubSpot's API address (a sandbox portal's `http://127.0.0.1:PORT` for rehearsals, which
    /// also serves its own consent page).
    #[arg(long, value_name = "URL", default_value = "https://api.hubapi.com")]
    pub base_url: String,

    /// What kind of token `--token` is.
    #[arg(long, value_enum, default_value_t = KindArg::PrivateApp, requires = "token")]
    pub kind: KindArg,

    /// Where no OS keychain is available, keep the token in a file beside the lead store that
    /// only you can read (mode 0600) instead of refusing. `status` shows it.
    #[arg(long)]
    pub insecure_file_store: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// A private app's access token (`pat-…`).
    PrivateApp,
    /// A service key (private apps' successor; same limits).
    ServiceKey,
}

impl From<KindArg> for TokenKind {
    fn from(kind: KindArg) -> TokenKind {
        match kind {
            KindArg::PrivateApp => TokenKind::PrivateApp,
            KindArg::ServiceKey => TokenKind::ServiceKey,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum FieldsCommand {
    /// List every field: key, label, type, options, whether it is built in.
    List,
    /// Add a custom field.
    ///
    /// Example: `hubsync fields add tshirt_size --type single-choice --options S,M,L --label "T-shirt size"`.
    Add(FieldAddArgs),
}

#[derive(Debug, Args)]
pub struct FieldAddArgs {
    /// The field's key: lowercase letters, digits and underscores, starting with a letter.
    pub name: String,

    /// text, number, date (YYYY-MM-DD), datetime (ISO 8601 with a zone), boolean,
    /// single-choice or multiple-choice (`_` works as well as `-`).
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_field_type)]
    pub kind: FieldType,

    /// The options of a choice field, comma separated (required for the choice types, refused
    /// for the others). Repeatable.
    #[arg(long, value_name = "A,B,C", value_delimiter = ',')]
    pub options: Vec<String>,

    /// The label people see (default: from the key, `tshirt_size` → "Tshirt size").
    #[arg(long)]
    pub label: Option<String>,
}

fn parse_field_type(raw: &str) -> Result<FieldType, String> {
    FieldType::parse(raw).ok_or_else(|| {
        let names: Vec<String> = FieldType::ALL.iter().map(|t| t.as_str().replace('_', "-")).collect();
        format!("unknown field type {raw:?}; the types are {}", names.join(", "))
    })
}

#[derive(Debug, Subcommand)]
pub enum LeadsCommand {
    /// Add one lead.
    ///
    /// Example: `hubsync leads add --email ada@example.com --set first_name=Ada --set company=Analytical`.
    /// Each value is checked against its field's type. Emails are unique, compared without
    /// regard to case.
    Add(LeadAddArgs),
    /// List the leads: a table of a few fields, or every field with --json.
    List,
    /// Show one lead: every field, its contact and owner, its company and its deals.
    ///
    /// The company is the lead's company and how it was found (a pull found it as its contact's
    /// primary company, or its domain, email or the admin named it), or the domain it would be
    /// found by, or why it has none; the deals are its contact's as the last pull read them in the
    /// active portal, open ones first, each with its pipeline, stage, amount and currency.
    /// Example: `hubsync leads show ada@example.com`.
    Show(LeadShowArgs),
    /// Add or update leads from a CSV file: all or nothing, or the good rows with --skip-bad-rows.
    ///
    /// UTF-8 with or without a byte-order mark; comma, semicolon or tab separated (read from the
    /// header line); double quotes around values that hold the separator, quotes or line breaks.
    /// Each header column goes to the lead field whose key, label or mapped HubSpot property it
    /// names (case, spaces and punctuation aside), or to a built-in field by a common name
    /// ("E-mail address", "Surname", "Company name", "Phone number", …); --map overrides that.
    /// Columns no field takes are ignored and listed. One column must hold the email.
    ///
    /// A row whose email is already in the store (compared without regard to case) UPDATES that
    /// lead; any other row ADDS a lead. A blank cell leaves that field as it is; a row with no
    /// value at all is passed over. Values are converted to their field's type. Every row is
    /// checked: if any is bad, each bad row is listed with its number (the header is row 1, as
    /// in a spreadsheet) and nothing is written, unless --skip-bad-rows is given.
    ///
    /// Example: `hubsync leads import contacts.csv --map "Contact=email" --map "Fax=" --skip-bad-rows`.
    Import(ImportArgs),
    /// Write every lead to a CSV file: `email`, then a column per field, by key (the header
    /// `leads import` reads back). UTF-8, comma separated, one row per lead. Text a
    /// spreadsheet would run as a formula (starting with =, +, -, @) is written with a leading `'`.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The CSV file (replaced whole).
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct LeadShowArgs {
    /// The lead's email (any case) or id.
    #[arg(value_name = "EMAIL|ID")]
    pub lead: String,
}

#[derive(Debug, Args)]
pub struct LeadAddArgs {
    /// The lead's email address.
    #[arg(long)]
    pub email: String,

    /// A field's value, as FIELD=VALUE (split at the first `=`). Repeatable.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,

    /// Send a column to a field: the column's header as the file has it (case aside), then a
    /// field key. `COLUMN=` ignores the column. Repeatable.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,

    /// Import the good rows and write the bad ones, with their row number and error, to an
    /// errors file (see --errors). Without it, one bad row stops the whole import.
    #[arg(long)]
    pub skip_bad_rows: bool,

    /// The errors file for --skip-bad-rows (replaced whole; default: NAME.errors.csv beside
    /// FILE). When no row is bad, none is written, and an old one Hubsync wrote is removed.
    #[arg(long, value_name = "FILE", requires = "skip_bad_rows")]
    pub errors: Option<PathBuf>,

    /// Check everything and report the column matching and what would be added, updated and
    /// skipped; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// List the mapping: lead field, HubSpot property, write rule.
    List,
    /// Map a lead field to a HubSpot contact property.
    ///
    /// When connected, the property must exist in HubSpot and be writable; offline, the mapping
    /// is saved with a warning. Example: `hubsync mapping set company company --rule if-empty`.
    Set(MappingSetArgs),
    /// Stop sending a lead field to HubSpot. The email mapping can't be removed: it is what
    /// matches leads to contacts.
    Remove(MappingRemoveArgs),
    /// Write the mapping, with the custom fields its rows name, to a JSON file (replaced whole).
    Export(MappingExportArgs),
    /// Replace the mapping with a mapping file's, adding the custom fields it defines; the
    /// email row stays. The file is checked whole first (against the portal's properties when
    /// connected) and every problem is listed; any problem changes nothing.
    Import(MappingImportArgs),
}

#[derive(Debug, Args)]
pub struct MappingExportArgs {
    /// The JSON file to write.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct MappingImportArgs {
    /// The mapping file (`hubsync mapping export`, or the app's Export mapping).
    pub file: PathBuf,

    /// Only say what the import would add, change and remove.
    #[arg(long)]
    pub preview: bool,
}

#[derive(Debug, Args)]
pub struct MappingSetArgs {
    /// The lead field's key.
    pub lead_field: String,

    /// The HubSpot contact property's internal name (e.g. `jobtitle`).
    pub property: String,

    /// overwrite: always write the lead's value; if-empty: only where the contact has none.
    /// Default: overwrite for a new mapping; a mapping that exists keeps its rule.
    #[arg(long, value_enum)]
    pub rule: Option<RuleArg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RuleArg {
    /// Write the lead's value whatever the contact holds.
    Overwrite,
    /// Write only where the contact has no value.
    IfEmpty,
}

impl From<RuleArg> for WriteRule {
    fn from(rule: RuleArg) -> WriteRule {
        match rule {
            RuleArg::Overwrite => WriteRule::Overwrite,
            RuleArg::IfEmpty => WriteRule::IfEmpty,
        }
    }
}

#[derive(Debug, Args)]
pub struct MappingRemoveArgs {
    /// The lead field's key.
    pub lead_field: String,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Show the push rules, or change them.
    ///
    /// update: change the HubSpot contact a lead matches. create: add a contact when none
    /// matches, allowed only while update is on. With no flags, shows the rules.
    Push(PushRulesArgs),
    /// Show the pull rules, or replace them: which HubSpot contacts a pull brings in.
    ///
    /// --all: every contact. --filter 'PROPERTY OP VALUE' (repeatable; all must hold), with OP
    /// one of =, !=, in (a,b,c), contains, >, <, between (a,b), known, unknown, on any contact
    /// property by its internal name, or `owner` with an owner's email. Dates are YYYY-MM-DD
    /// (midnight UTC) or full timestamps. Conditions are checked against the connected portal's
    /// properties and owners and HubSpot's search limits when saved (rules without any save
    /// offline); a rule HubSpot can't take is refused with the reason and nothing changes. With
    /// no flags, shows the rules.
    Pull(PullRulesArgs),
}

#[derive(Debug, Args)]
pub struct PullRulesArgs {
    /// Every contact (drops the filters).
    #[arg(long, conflicts_with = "filter")]
    pub all: bool,

    /// A condition, 'PROPERTY OP VALUE', e.g. 'lifecyclestage in (lead, customer)'. Repeatable.
    #[arg(long, value_name = "'PROPERTY OP VALUE'")]
    pub filter: Vec<String>,

    /// Only contacts not in the store yet (by email or contact id).
    #[arg(long)]
    pub new_only: bool,

    /// Only contacts modified on or after this date (YYYY-MM-DD) or instant (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub modified_since: Option<String>,

    /// Incremental: only contacts modified since the last completed live pull began.
    #[arg(long)]
    pub since_last_pull: bool,
}

#[derive(Debug, Args)]
pub struct PushRulesArgs {
    /// Update matching contacts.
    #[arg(long, value_enum, value_name = "on|off")]
    pub update: Option<Switch>,

    /// Create contacts for leads that match none (needs update on).
    #[arg(long, value_enum, value_name = "on|off")]
    pub create: Option<Switch>,
}

#[derive(Debug, Subcommand)]
pub enum CompaniesCommand {
    /// Which company or lead field fills which HubSpot company property, and how.
    #[command(subcommand)]
    Mapping(CompanyMappingCommand),
    /// Company fields: the built-in ones and your own.
    #[command(subcommand)]
    Fields(CompanyFieldsCommand),
    /// Show the company rules, or change them.
    ///
    /// associate: a push associates each lead's contact with its company's HubSpot company,
    /// found by the company's link or its domain. create: a company HubSpot lacks is created,
    /// allowed only while associate is on. A lead's company is found by its domain: the domain
    /// field's value (a website, say) when it names one, else its email's domain, never a
    /// free-mail domain. With no flags, shows the rules. Associating without the companies
    /// scopes is allowed; the answer names the scopes the connection lacks.
    Rules(CompanyRulesArgs),
    /// Free-mail domains (gmail.com, …) name no company: check a domain, or change the
    /// maintained list for this store.
    #[command(subcommand)]
    FreeMail(FreeMailCommand),
}

#[derive(Debug, Subcommand)]
pub enum CompanyMappingCommand {
    /// List the company mapping: HubSpot property, source field, write rule; when connected,
    /// what the portal refuses about each row.
    List,
    /// Fill a HubSpot company property from a company field (or a lead's, with --from lead).
    ///
    /// When connected, the property must exist in HubSpot and be writable; offline, the row is
    /// saved with a warning. The domain row can't be changed: it is what matches companies.
    /// Example: `hubsync companies mapping set name company --from lead --rule if-empty`.
    Set(CompanyMappingSetArgs),
    /// Stop filling a HubSpot company property. The domain row can't be removed.
    Remove(CompanyMappingRemoveArgs),
}

#[derive(Debug, Args)]
pub struct CompanyMappingSetArgs {
    /// The HubSpot company property's internal name (e.g. `numberofemployees`).
    pub property: String,

    /// The field's key: a company field, or a lead field with --from lead.
    pub field: String,

    /// Whose field fills the property: the company's, or the lead's whose push associates it.
    #[arg(long, value_enum, default_value_t = SourceArg::Company)]
    pub from: SourceArg,

    /// overwrite: always write the value; if-empty: only where the company has none. Default:
    /// overwrite for a new row; a row that exists keeps its rule.
    #[arg(long, value_enum)]
    pub rule: Option<RuleArg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    /// A field of the company.
    Company,
    /// A field of the lead.
    Lead,
}

impl From<SourceArg> for MappingSource {
    fn from(source: SourceArg) -> MappingSource {
        match source {
            SourceArg::Company => MappingSource::Company,
            SourceArg::Lead => MappingSource::Lead,
        }
    }
}

#[derive(Debug, Args)]
pub struct CompanyMappingRemoveArgs {
    /// The HubSpot company property's internal name.
    pub property: String,
}

#[derive(Debug, Subcommand)]
pub enum CompanyFieldsCommand {
    /// List every company field: key, label, type, options, whether it is built in.
    List,
    /// Add a custom company field (as `hubsync fields add` adds a lead field).
    Add(FieldAddArgs),
    /// Remove a custom company field, with its values and the company mapping rows it fills.
    Remove(CompanyFieldRemoveArgs),
}

#[derive(Debug, Args)]
pub struct CompanyFieldRemoveArgs {
    /// The company field's key.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct CompanyRulesArgs {
    /// Associate each lead's contact with its company's HubSpot company.
    #[arg(long, value_enum, value_name = "on|off")]
    pub associate: Option<Switch>,

    /// Create a HubSpot company when none is the lead's company's (needs associate on).
    #[arg(long, value_enum, value_name = "on|off")]
    pub create: Option<Switch>,

    /// The lead field whose value names a lead's company domain before its email's domain (a
    /// text or single choice field, such as website).
    #[arg(long, value_name = "FIELD", conflicts_with = "no_domain_field")]
    pub domain_field: Option<String>,

    /// Find a lead's company by its email's domain only.
    #[arg(long)]
    pub no_domain_field: bool,

    /// Keep the rules as they are: they count as decided from now.
    #[arg(long, conflicts_with_all = ["associate", "create"])]
    pub keep: bool,
}

#[derive(Debug, Subcommand)]
pub enum FreeMailCommand {
    /// Your changes to the maintained free-mail list.
    List,
    /// Count a domain (and its subdomains) as free-mail, or with --not-free take one off the
    /// list (a company that uses a domain the list counts as free-mail).
    Add(FreeMailAddArgs),
    /// Leave a domain to the maintained list again.
    Remove(FreeMailDomainArgs),
    /// Whether a domain (or a URL's) is free-mail, and why.
    Check(FreeMailDomainArgs),
}

#[derive(Debug, Args)]
pub struct FreeMailAddArgs {
    /// The domain (`example.com`; a URL works too).
    pub domain: String,

    /// Take the domain off the list instead: it names a company.
    #[arg(long)]
    pub not_free: bool,
}

#[derive(Debug, Args)]
pub struct FreeMailDomainArgs {
    /// The domain.
    pub domain: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

impl From<Switch> for bool {
    fn from(switch: Switch) -> bool {
        switch == Switch::On
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
