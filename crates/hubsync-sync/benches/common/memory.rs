//! Peak memory, on its own so a benchmark without the sandbox can use it too
//! (`#[path = "common/memory.rs"] mod memory;`).

/// The process's peak resident memory (Linux).
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Starts the peak over from what the process holds now (Linux), so the next
/// `peak_memory_mib` is one step's. Whether it could.
#[allow(dead_code)] // Not every bench measures steps apart.
pub fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
