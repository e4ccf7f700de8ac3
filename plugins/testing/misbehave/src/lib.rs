//! Misbehaves in the way the form name asks, so tests can prove each limit of the host:
//! `loop` spins forever, `oom` allocates without end, `trap` panics, `deep` recurses without end,
//! `bad-ids` and `many` return data the host must refuse, `chatty` logs far too much.
//! Any other form gets one well-formed question.
//!
//! On the app's `school-details` form it misbehaves by the role of whoever opens it, so that
//! integration tests can drive each failure through real pages: a head teacher gets the endless
//! loop, an induction lead the memory hog; an AB admin gets a question whose answer "yes" makes
//! `validate` panic.

use induct_plugin_sdk::*;

struct Misbehave;

#[allow(unconditional_recursion)]
fn recurse(n: u64) -> u64 {
    let buf = [n; 64];
    std::hint::black_box(&buf);
    recurse(n + 1) + buf[3]
}

impl Plugin for Misbehave {
    fn manifest() -> Manifest {
        manifest("misbehave", env!("CARGO_PKG_VERSION"), &[Hook::Forms, Hook::Courses, Hook::Privacy])
    }

    fn extra_questions(ctx: &FormContext) -> Result<Vec<Question>, PluginError> {
        let mode = match (ctx.form.as_str(), ctx.role.as_str()) {
            ("school-details", "head_teacher") => "loop",
            ("school-details", "induction_lead") => "oom",
            (form, _) => form,
        };
        match mode {
            "loop" => {
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "oom" => {
                let mut hoard: Vec<Vec<u8>> = vec![];
                loop {
                    // 8 MiB at a time (zeroed pages cost nothing to fill): the limit is reached
                    // in a few steps, well inside the time limit even on a busy machine.
                    let mut chunk = vec![0u8; 8 << 20];
                    chunk[0] = 1;
                    hoard.push(chunk);
                    std::hint::black_box(&hoard);
                }
            }
            "trap" => panic!("plugin bug on purpose"),
            "deep" => {
                let n = recurse(std::hint::black_box(0));
                Ok(vec![text(&n.to_string(), "never", false)])
            }
            "bad-ids" => Ok(vec![text("Not A Valid Id!", "Bad id", false)]),
            "many" => Ok((0..10_000).map(|i| text(&format!("q{i}"), "Too many", false)).collect()),
            "chatty" => {
                for i in 0..10_000 {
                    log(Level::Info, &format!("line {i} {}", "x".repeat(1000)));
                }
                Ok(vec![text("ok", "Fine", false)])
            }
            "error" => Err(PluginError { code: "not-configured".into(), message: "The plugin is not set up".into() }),
            _ => Ok(vec![yes_no("ok", "Is this fine?", true)]),
        }
    }

    fn validate(_ctx: &FormContext, answers: &[Answer]) -> Result<Vec<FieldError>, PluginError> {
        if answer(answers, "ok") == Some("yes") {
            panic!("plugin bug on purpose in validate");
        }
        Ok(vec![])
    }
}

induct_plugin!(Misbehave);
