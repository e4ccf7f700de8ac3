//! The bounds on every plugin call (docs/security.md P3, P4).

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Limits {
    /// Linear memory a call may use (P4: 64 MiB).
    pub memory_bytes: usize,
    /// Wasm stack (P4: 512 KiB).
    pub stack_bytes: usize,
    /// How often the epoch advances.
    pub tick: Duration,
    /// Ticks a call may run in wall-clock time: 100 x 10 ms = 1 s, a backstop for a call that
    /// is blocked or starved rather than computing.
    pub deadline_ticks: u64,
    /// WebAssembly fuel per call (about one unit an instruction): the deterministic bound. An
    /// endless loop uses it up in a few tens of milliseconds however busy the machine is, where a
    /// wall-clock limit alone would also stop honest calls that the scheduler happened to delay.
    pub fuel: u64,
    /// Log lines kept per call.
    pub max_log_lines: usize,
    /// Calls one tenant may run at once; more wait (P4).
    pub per_tenant_concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 << 20,
            stack_bytes: 512 << 10,
            tick: Duration::from_millis(10),
            deadline_ticks: 100,
            fuel: 200_000_000,
            max_log_lines: 100,
            per_tenant_concurrency: 4,
        }
    }
}
