//! Peak memory, on its own so a benchmark without the sandbox can use it too
//! (`#[path = "common/memory.rs"] mod memory;`).

/// The process's peak resident memory (Linux).
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
