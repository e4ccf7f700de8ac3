//! Runs appropriate bodies' plugins: WebAssembly components built against `plugins/wit`
//! (`induct:plugin@0.1.0`).
//!
//! One shared [`wasmtime::Engine`]; each installed plugin is compiled once into an
//! [`InstancePre`](wasmtime::component::InstancePre); every call gets a fresh `Store`, so nothing
//! leaks between calls, users or tenants. Plugins get no WASI and no import but `host.log`. Every
//! call is bounded (docs/security.md P2-P5): fuel (an endless loop is stopped after tens of
//! milliseconds), an epoch deadline of one second of wall-clock time as a backstop, a memory limit,
//! a stack limit; and everything a plugin returns is checked before the app sees it.

mod limits;
mod validate;

pub use limits::Limits;
pub use validate::InvalidOutput;

use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Instance, InstancePre, Linker};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};

mod bindings {
    wasmtime::component::bindgen!({
        world: "plugin",
        path: "../../plugins/wit",
        additional_derives: [PartialEq, Eq],
    });
}

pub use bindings::exports::induct::plugin::courses::{BookingRequest, CancellationPolicy, Course, Decision};
pub use bindings::exports::induct::plugin::forms::{
    Answer, FieldError, FormContext, OptionItem, Question, QuestionKind,
};
pub use bindings::exports::induct::plugin::meta::{Hook, Manifest};
pub use bindings::exports::induct::plugin::privacy::{ConsentItem, Policy};
pub use bindings::induct::plugin::host::Level;

use bindings::exports::induct::plugin::{courses, forms, meta, privacy};

/// A hook's name as manifests and pages show it.
pub fn hook_name(h: Hook) -> &'static str {
    match h {
        Hook::Forms => "forms",
        Hook::Courses => "courses",
        Hook::Privacy => "privacy",
    }
}

/// The WIT packages this host can run. Old versions stay loadable when new ones are added.
pub const SUPPORTED_WIT: [&str; 1] = ["induct:plugin@0.1.0"];
/// The only interface a plugin may import.
const HOST_INTERFACE: &str = "induct:plugin/host@0.1.0";
/// Largest component accepted. docs/security.md P6 suggests 10 MiB, but a JavaScript plugin built
/// with componentize-js carries its engine and is about 12 MiB: 32 MiB admits it.
pub const MAX_COMPONENT_BYTES: usize = 32 * 1024 * 1024;

/// Why a plugin was refused at installation.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the file is {0} bytes; plugins may be at most {MAX_COMPONENT_BYTES} bytes")]
    TooLarge(usize),
    #[error("this is not a WebAssembly component built against induct:plugin: {0}")]
    NotAComponent(String),
    #[error("the plugin imports {0}, which Induct does not provide (plugins get no WASI, files, network or clock)")]
    ForbiddenImport(String),
    #[error("the plugin does not export {0}")]
    MissingExport(&'static str),
    #[error("the plugin's manifest is invalid: {0}")]
    BadManifest(String),
    #[error("the plugin failed its first call: {0}")]
    SmokeCall(CallError),
}

/// Why a call into a plugin failed. Users get a plain message; the detail goes to the log.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("the plugin took too long and was stopped")]
    Timeout,
    #[error("the plugin ran out of memory")]
    OutOfMemory,
    #[error("the plugin crashed: {0}")]
    Trap(String),
    #[error("the plugin returned invalid data: {0}")]
    InvalidOutput(#[from] InvalidOutput),
    #[error("the plugin reported a problem: {code}: {message}")]
    Plugin { code: String, message: String },
}

/// A line the plugin logged during a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub level: Level,
    pub message: String,
}

/// What a call returns besides its value: the plugin's log lines and how long it took.
#[derive(Debug)]
pub struct Called<T> {
    pub value: Result<T, CallError>,
    pub logs: Vec<LogLine>,
    pub elapsed: Duration,
}

/// Per-call state: the limits and the plugin's log. Never any tenant data.
pub struct CallState {
    limits: StoreLimits,
    logs: Vec<LogLine>,
    log_cap: usize,
    dropped: usize,
}

impl bindings::induct::plugin::host::Host for CallState {
    fn log(&mut self, level: Level, message: String) {
        if self.logs.len() < self.log_cap {
            let message: String = message.chars().take(500).collect();
            self.logs.push(LogLine { level, message });
        } else {
            self.dropped += 1;
        }
    }
}

impl bindings::induct::plugin::types::Host for CallState {}

/// A plugin ready to call.
pub struct LoadedPlugin {
    pre: InstancePre<CallState>,
    pub manifest: Manifest,
    pub sha256: String,
    forms: Option<forms::GuestIndices>,
    courses: Option<courses::GuestIndices>,
    privacy: Option<privacy::GuestIndices>,
}

impl LoadedPlugin {
    /// Whether the plugin implements a hook (exports it and lists it in its manifest).
    pub fn implements(&self, hook: Hook) -> bool {
        let exported = match hook {
            Hook::Forms => self.forms.is_some(),
            Hook::Courses => self.courses.is_some(),
            Hook::Privacy => self.privacy.is_some(),
        };
        exported && self.manifest.hooks.contains(&hook)
    }
}

pub struct PluginHost {
    engine: Engine,
    linker: Linker<CallState>,
    limits: Limits,
    stop_ticker: Arc<AtomicBool>,
}

impl Drop for PluginHost {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

/// The engine configuration every plugin runs under (docs/security.md section 5).
pub fn engine_config(limits: &Limits) -> Config {
    let mut c = Config::new();
    c.strategy(wasmtime::Strategy::Cranelift)
        .wasm_component_model(true)
        .epoch_interruption(true)
        .consume_fuel(true)
        .max_wasm_stack(limits.stack_bytes)
        .wasm_memory64(false);
    // Threads, shared memory, GC, function references and exceptions are not compiled in at all:
    // the `threads` and `gc` features of wasmtime are off (docs/security.md P2).
    c
}

impl PluginHost {
    pub fn new(limits: Limits) -> wasmtime::Result<Self> {
        let engine = Engine::new(&engine_config(&limits))?;
        let mut linker = Linker::new(&engine);
        bindings::induct::plugin::host::add_to_linker::<CallState, wasmtime::component::HasSelf<CallState>>(
            &mut linker,
            |s| s,
        )?;
        // The epoch ticker: one thread per host, so a deadline of N ticks is N x tick of wall time.
        let stop = Arc::new(AtomicBool::new(false));
        let (e, s, tick) = (engine.clone(), stop.clone(), limits.tick);
        std::thread::Builder::new().name("plugin-epoch".into()).spawn(move || {
            while !s.load(Ordering::Relaxed) {
                std::thread::sleep(tick);
                e.increment_epoch();
            }
        })?;
        Ok(Self { engine, linker, limits, stop_ticker: stop })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Compiles and checks a plugin: size, that it is a component, that it imports nothing but
    /// `induct:plugin/host`, that it exports `meta`, and that its manifest is valid and matches
    /// what it exports (a smoke call under the production limits).
    pub fn load(&self, bytes: &[u8]) -> Result<LoadedPlugin, LoadError> {
        if bytes.len() > MAX_COMPONENT_BYTES {
            return Err(LoadError::TooLarge(bytes.len()));
        }
        let component = Component::new(&self.engine, bytes).map_err(|e| LoadError::NotAComponent(format!("{e:#}")))?;
        let ty = component.component_type();
        for (name, _) in ty.imports(&self.engine) {
            if name != HOST_INTERFACE && name != "induct:plugin/types@0.1.0" {
                return Err(LoadError::ForbiddenImport(name.to_owned()));
            }
        }
        let exports: Vec<String> = ty.exports(&self.engine).map(|(n, _)| n.to_owned()).collect();
        if !exports.iter().any(|n| n == "induct:plugin/meta@0.1.0") {
            return Err(LoadError::MissingExport("induct:plugin/meta"));
        }
        let pre = self.linker.instantiate_pre(&component).map_err(|e| LoadError::NotAComponent(format!("{e:#}")))?;
        // Indices per interface, resolved once: a missing optional hook is simply `None`.
        let forms = forms::GuestIndices::new(&pre).ok();
        let courses = courses::GuestIndices::new(&pre).ok();
        let privacy = privacy::GuestIndices::new(&pre).ok();
        let meta_idx = meta::GuestIndices::new(&pre).map_err(|_| LoadError::MissingExport("induct:plugin/meta"))?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let called = self.run(&pre, |store, instance| {
            let m = meta_idx.load(&mut *store, instance)?;
            m.call_get_manifest(store)
        });
        let manifest = called.value.map_err(LoadError::SmokeCall)?;
        validate::manifest(&manifest).map_err(|e| LoadError::BadManifest(e.to_string()))?;
        for (hook, present) in
            [(Hook::Forms, forms.is_some()), (Hook::Courses, courses.is_some()), (Hook::Privacy, privacy.is_some())]
        {
            if manifest.hooks.contains(&hook) && !present {
                return Err(LoadError::BadManifest(format!("it lists the {hook:?} hook but does not export it")));
            }
        }
        Ok(LoadedPlugin { pre, manifest, sha256, forms, courses, privacy })
    }

    /// Runs `f` against a fresh instance in a fresh store, under the limits.
    fn run<T>(
        &self,
        pre: &InstancePre<CallState>,
        f: impl FnOnce(&mut Store<CallState>, &Instance) -> wasmtime::Result<T>,
    ) -> Called<T> {
        let start = Instant::now();
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.memory_bytes)
            .table_elements(10_000)
            .instances(20)
            .tables(20)
            .memories(4)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(
            &self.engine,
            CallState { limits, logs: vec![], log_cap: self.limits.max_log_lines, dropped: 0 },
        );
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(self.limits.deadline_ticks);
        if let Err(e) = store.set_fuel(self.limits.fuel) {
            return Called {
                value: Err(CallError::Trap(format!("cannot set fuel: {e}"))),
                logs: vec![],
                elapsed: start.elapsed(),
            };
        }
        let result = pre.instantiate(&mut store).and_then(|instance| f(&mut store, &instance));
        let value = result.map_err(classify);
        let state = store.into_data();
        let mut logs = state.logs;
        if state.dropped > 0 {
            logs.push(LogLine {
                level: Level::Warn,
                message: format!("{} more log lines were dropped", state.dropped),
            });
        }
        Called { value, logs, elapsed: start.elapsed() }
    }

    /// Flattens `wasmtime::Result<Result<T, PluginError>>` and checks the value.
    fn finish<T>(
        called: Called<Result<T, PluginError>>,
        check: impl FnOnce(&T) -> Result<(), InvalidOutput>,
    ) -> Called<T> {
        let value = match called.value {
            Ok(Ok(v)) => check(&v).map(|()| v).map_err(CallError::from),
            Ok(Err(e)) => Err(CallError::Plugin { code: truncate(&e.code, 64), message: truncate(&e.message, 500) }),
            Err(e) => Err(e),
        };
        Called { value, logs: called.logs, elapsed: called.elapsed }
    }

    /// Extra questions for a form. A plugin without the forms hook adds none.
    pub fn extra_questions(&self, p: &LoadedPlugin, ctx: &FormContext) -> Called<Vec<Question>> {
        let Some(idx) = p.forms.as_ref().filter(|_| p.implements(Hook::Forms)) else {
            return Called::ready(vec![]);
        };
        let called = self.run(&p.pre, |store, inst| idx.load(&mut *store, inst)?.call_extra_questions(store, ctx));
        Self::finish(called, |qs| validate::questions(qs))
    }

    /// The plugin's checks of a form's answers (after the host's own type and required checks).
    /// `questions` are the plugin's questions for this form: errors must name one of them.
    pub fn validate(
        &self,
        p: &LoadedPlugin,
        ctx: &FormContext,
        questions: &[Question],
        answers: &[Answer],
    ) -> Called<Vec<FieldError>> {
        let Some(idx) = p.forms.as_ref().filter(|_| p.implements(Hook::Forms)) else {
            return Called::ready(vec![]);
        };
        let called = self.run(&p.pre, |store, inst| idx.load(&mut *store, inst)?.call_validate(store, ctx, answers));
        Self::finish(called, |errors| validate::field_errors(errors, questions))
    }

    /// The AB's decision on a course booking. Without the courses hook every booking is allowed.
    pub fn check_booking(&self, p: &LoadedPlugin, request: &BookingRequest) -> Called<Decision> {
        let Some(idx) = p.courses.as_ref().filter(|_| p.implements(Hook::Courses)) else {
            return Called::ready(Decision::Allow);
        };
        let called = self.run(&p.pre, |store, inst| idx.load(&mut *store, inst)?.call_check_booking(store, request));
        Self::finish(called, validate::decision)
    }

    pub fn cancellation_policy(&self, p: &LoadedPlugin) -> Called<CancellationPolicy> {
        let default = CancellationPolicy { free_until_days_before: 0, late_notice: None, needs_approval: false };
        let Some(idx) = p.courses.as_ref().filter(|_| p.implements(Hook::Courses)) else {
            return Called::ready(default);
        };
        let called =
            self.run(&p.pre, |store, inst| idx.load(&mut *store, inst)?.call_get_cancellation_policy(store).map(Ok));
        Self::finish(called, validate::cancellation_policy)
    }

    /// The privacy policy a user with this role must accept, if the AB has one.
    pub fn privacy_policy(&self, p: &LoadedPlugin, role: &str) -> Called<Option<Policy>> {
        let Some(idx) = p.privacy.as_ref().filter(|_| p.implements(Hook::Privacy)) else {
            return Called::ready(None);
        };
        let called = self.run(&p.pre, |store, inst| idx.load(&mut *store, inst)?.call_get_policy(store, role));
        Self::finish(called, |p| p.as_ref().map_or(Ok(()), validate::policy))
    }

    pub fn consent_items(&self, p: &LoadedPlugin, role: &str) -> Called<Vec<ConsentItem>> {
        let Some(idx) = p.privacy.as_ref().filter(|_| p.implements(Hook::Privacy)) else {
            return Called::ready(vec![]);
        };
        let called =
            self.run(&p.pre, |store, inst| idx.load(&mut *store, inst)?.call_consent_items(store, role).map(Ok));
        Self::finish(called, |items| validate::consent_items(items))
    }
}

impl<T> Called<T> {
    fn ready(value: T) -> Self {
        Called { value: Ok(value), logs: vec![], elapsed: Duration::ZERO }
    }
}

type PluginError = bindings::induct::plugin::types::PluginError;

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Turns a wasmtime error into what happened, in the terms users and AB admins need.
fn classify(e: wasmtime::Error) -> CallError {
    if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
        return match trap {
            wasmtime::Trap::Interrupt | wasmtime::Trap::OutOfFuel => CallError::Timeout,
            wasmtime::Trap::StackOverflow => CallError::Trap("stack overflow".into()),
            other => CallError::Trap(other.to_string()),
        };
    }
    let text = format!("{e:#}");
    if text.contains("growing memory") || text.contains("grow memory") {
        CallError::OutOfMemory
    } else {
        CallError::Trap(truncate(&text, 300))
    }
}

/// The demo appropriate bodies' plugins, built from `plugins/<ab>` by this crate's build script.
pub mod demo {
    pub static FENLAND: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/plugins/fenland.wasm"));
    pub static NORTHSHIRE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/plugins/northshire.wasm"));

    /// The demo plugin for an AB slug, if there is one.
    pub fn for_ab(slug: &str) -> Option<&'static [u8]> {
        match slug {
            "fenland" => Some(FENLAND),
            "northshire" => Some(NORTHSHIRE),
            _ => None,
        }
    }
}

/// Plugins that exist only to be refused or stopped: read from the build's output, never embedded.
pub mod fixtures {
    use std::path::PathBuf;

    /// `misbehave` (misbehaves on request) or `misbehave-wasi` (imports WASI).
    pub fn path(name: &str) -> PathBuf {
        PathBuf::from(env!("OUT_DIR")).join("plugins").join(format!("{name}.wasm"))
    }

    pub fn bytes(name: &str) -> Vec<u8> {
        std::fs::read(path(name)).expect("test plugin was built")
    }
}

#[cfg(test)]
mod tests;
