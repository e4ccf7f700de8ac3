// An Induct plugin in JavaScript: the same WIT as the Rust plugins, built into a component with
// componentize-js (all WASI features disabled, so it imports nothing but induct:plugin/host).
// It adds one question to the ECT registration form and checks its answer.

export const meta = {
  getManifest() {
    return { name: "js-example", version: "0.1.0", witVersion: "induct:plugin@0.1.0", hooks: ["forms"] };
  },
};

export const forms = {
  extraQuestions(ctx) {
    if (ctx.form !== "ect-registration") return [];
    return [
      {
        id: "first-language",
        label: "What is the ECT's first language?",
        hint: "Optional: helps us pair ECTs with mentors",
        kind: "single-choice",
        options: [
          { value: "english", label: "English" },
          { value: "welsh", label: "Welsh" },
          { value: "other", label: "Another language" },
        ],
        required: false,
      },
    ];
  },
  validate(ctx, answers) {
    return answers
      .filter((a) => a.questionId === "first-language" && a.value === "other" && ctx.role === "ect")
      .map((a) => ({ questionId: a.questionId, message: "Ask your induction tutor to record another language" }));
  },
};

// The world exports every interface; this plugin's manifest lists only `forms`, so Induct uses
// its own defaults for these and never calls them.
export const courses = {
  checkBooking(_request) {
    return { tag: "allow" };
  },
  getCancellationPolicy() {
    return { freeUntilDaysBefore: 0, lateNotice: undefined, needsApproval: false };
  },
};

export const privacy = {
  getPolicy(_role) {
    return undefined;
  },
  consentItems(_role) {
    return [];
  },
};
