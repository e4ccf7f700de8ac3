//! The Induct plugin SDK for Rust.
//!
//! Implement [`Plugin`] (every hook has a default, so implement only the ones you need, and list
//! them in your manifest), then export it:
//!
//! ```ignore
//! use induct_plugin_sdk::*;
//!
//! struct MyAb;
//! impl Plugin for MyAb {
//!     fn manifest() -> Manifest {
//!         manifest("my-ab", env!("CARGO_PKG_VERSION"), &[Hook::Forms])
//!     }
//!     fn extra_questions(ctx: &FormContext) -> Result<Vec<Question>, PluginError> {
//!         Ok(match ctx.form.as_str() {
//!             "ect-comments" => vec![yes_no("discussed-report", "Have you discussed this report with your tutor?", true)],
//!             _ => vec![],
//!         })
//!     }
//! }
//! induct_plugin!(MyAb);
//! ```
//!
//! Build with `cargo build --release --target wasm32-unknown-unknown`, then wrap the module as a
//! component (`wasm-tools component new`, or Induct's build, which does it for the demo plugins).

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "plugin",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "export_plugin",
        default_bindings_module: "induct_plugin_sdk::bindings",
    });
}

pub use bindings::exports::induct::plugin::courses::{BookingRequest, CancellationPolicy, Course, Decision};
pub use bindings::exports::induct::plugin::forms::{
    Answer, FieldError, FormContext, OptionItem, Question, QuestionKind,
};
pub use bindings::exports::induct::plugin::meta::{Hook, Manifest};
pub use bindings::exports::induct::plugin::privacy::{ConsentItem, Policy};
pub use bindings::induct::plugin::host::Level;
pub use bindings::induct::plugin::types::PluginError;

/// The WIT package this SDK builds against.
pub const WIT_VERSION: &str = "induct:plugin@0.1.0";

/// An appropriate body's plugin. Every hook has a default; the host calls only the hooks named in
/// the manifest.
pub trait Plugin {
    fn manifest() -> Manifest;

    fn extra_questions(_ctx: &FormContext) -> Result<Vec<Question>, PluginError> {
        Ok(vec![])
    }

    fn validate(_ctx: &FormContext, _answers: &[Answer]) -> Result<Vec<FieldError>, PluginError> {
        Ok(vec![])
    }

    fn check_booking(_request: &BookingRequest) -> Result<Decision, PluginError> {
        Ok(Decision::Allow)
    }

    fn cancellation_policy() -> CancellationPolicy {
        CancellationPolicy { free_until_days_before: 0, late_notice: None, needs_approval: false }
    }

    fn privacy_policy(_role: &str) -> Result<Option<Policy>, PluginError> {
        Ok(None)
    }

    fn consent_items(_role: &str) -> Vec<ConsentItem> {
        vec![]
    }
}

/// Writes to the AB's plugin log.
pub fn log(level: Level, message: &str) {
    bindings::induct::plugin::host::log(level, message);
}

/// A manifest for this SDK's WIT version.
pub fn manifest(name: &str, version: &str, hooks: &[Hook]) -> Manifest {
    Manifest { name: name.into(), version: version.into(), wit_version: WIT_VERSION.into(), hooks: hooks.to_vec() }
}

fn question(id: &str, label: &str, kind: QuestionKind, required: bool) -> Question {
    Question { id: id.into(), label: label.into(), hint: None, kind, options: vec![], required }
}

pub fn text(id: &str, label: &str, required: bool) -> Question {
    question(id, label, QuestionKind::Text, required)
}

pub fn long_text(id: &str, label: &str, required: bool) -> Question {
    question(id, label, QuestionKind::LongText, required)
}

pub fn yes_no(id: &str, label: &str, required: bool) -> Question {
    question(id, label, QuestionKind::YesNo, required)
}

pub fn number(id: &str, label: &str, required: bool) -> Question {
    question(id, label, QuestionKind::Number, required)
}

pub fn date(id: &str, label: &str, required: bool) -> Question {
    question(id, label, QuestionKind::Date, required)
}

pub fn single_choice(id: &str, label: &str, options: &[(&str, &str)], required: bool) -> Question {
    let mut q = question(id, label, QuestionKind::SingleChoice, required);
    q.options = options.iter().map(|(v, l)| OptionItem { value: (*v).into(), label: (*l).into() }).collect();
    q
}

pub fn multiple_choice(id: &str, label: &str, options: &[(&str, &str)], required: bool) -> Question {
    let mut q = single_choice(id, label, options, required);
    q.kind = QuestionKind::MultipleChoice;
    q
}

impl Question {
    pub fn with_hint(mut self, hint: &str) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The answer given to a question, if any.
pub fn answer<'a>(answers: &'a [Answer], id: &str) -> Option<&'a str> {
    answers.iter().find(|a| a.question_id == id).map(|a| a.value.as_str())
}

pub fn field_error(id: &str, message: &str) -> FieldError {
    FieldError { question_id: id.into(), message: message.into() }
}

/// Sends panics to the host's log before the instance traps, so AB admins see why.
#[doc(hidden)]
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            log(Level::Error, &format!("panic: {info}"));
        }));
    });
}

/// Exports a [`Plugin`] implementation as the component's hooks.
#[macro_export]
macro_rules! induct_plugin {
    ($plugin:ty) => {
        struct __InductExports;

        impl $crate::bindings::exports::induct::plugin::meta::Guest for __InductExports {
            fn get_manifest() -> $crate::Manifest {
                $crate::install_panic_hook();
                <$plugin as $crate::Plugin>::manifest()
            }
        }

        impl $crate::bindings::exports::induct::plugin::forms::Guest for __InductExports {
            fn extra_questions(ctx: $crate::FormContext) -> Result<Vec<$crate::Question>, $crate::PluginError> {
                $crate::install_panic_hook();
                <$plugin as $crate::Plugin>::extra_questions(&ctx)
            }
            fn validate(ctx: $crate::FormContext, answers: Vec<$crate::Answer>) -> Result<Vec<$crate::FieldError>, $crate::PluginError> {
                $crate::install_panic_hook();
                <$plugin as $crate::Plugin>::validate(&ctx, &answers)
            }
        }

        impl $crate::bindings::exports::induct::plugin::courses::Guest for __InductExports {
            fn check_booking(request: $crate::BookingRequest) -> Result<$crate::Decision, $crate::PluginError> {
                $crate::install_panic_hook();
                <$plugin as $crate::Plugin>::check_booking(&request)
            }
            fn get_cancellation_policy() -> $crate::CancellationPolicy {
                $crate::install_panic_hook();
                <$plugin as $crate::Plugin>::cancellation_policy()
            }
        }

        impl $crate::bindings::exports::induct::plugin::privacy::Guest for __InductExports {
            fn get_policy(role: String) -> Result<Option<$crate::Policy>, $crate::PluginError> {
                $crate::install_panic_hook();
                <$plugin as $crate::Plugin>::privacy_policy(&role)
            }
            fn consent_items(role: String) -> Vec<$crate::ConsentItem> {
                $crate::install_panic_hook();
                <$plugin as $crate::Plugin>::consent_items(&role)
            }
        }

        $crate::bindings::export_plugin!(__InductExports with_types_in $crate::bindings);
    };
}
