/**
 * The CLI's pure parts (durations, rendering, error diagnosis, output-mode choice, redaction) and the
 * live status line, drawn on a fake terminal in-process (a spawned binary never gets a TTY).
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConfigError, DcsApiError, DcsNetworkError, JobFailedError, JobTimeoutError } from "../provider/errors";
import type { Job, WaitProgress } from "../provider/types";
import { clientOptionsFor, readSecretFromStdin, redact, secretsIn, type CommonFlags } from "../provider/cli/client-options";
import { InterruptedError, diagnose } from "../provider/cli/diagnose";
import { formatDuration, formatElapsed, parseDuration } from "../provider/cli/duration";
import { EXIT_CODES_HELP, ExitCode } from "../provider/cli/exit-codes";
import { chooseProgressMode, createProgressReporter } from "../provider/cli/progress";
import { formatJobSummary, formatProgressLine, jobToJson } from "../provider/cli/render";

const JOB_ID = "ff8080818822bbf70188235afc24141a";
const INSTANCE_ID = "5560df16-cebf-4473-95c4-d1b573c16e79";

function job(overrides: Partial<Job> = {}): Job {
  return {
    jobId: JOB_ID,
    jobType: "masterStandbySwapJob",
    status: "SUCCESS",
    beginTime: new Date(1684191545379),
    endTime: new Date(1684191548248),
    beginTimeRaw: "1684191545379",
    endTimeRaw: "1684191548248",
    durationMs: 2869,
    failReason: null,
    raw: { job_id: JOB_ID, job_type: "masterStandbySwapJob", status: "SUCCESS", begin_time: "1684191545379", end_time: "1684191548248", fail_reason: null },
    ...overrides,
  };
}

describe("parseDuration", () => {
  it.each([
    ["90", 90_000],
    ["1.5", 1_500],
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["2m30s", 150_000],
    [" 10S ", 10_000],
  ])("reads %j as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "0", "0s", "-5", "abc", "30x", "30m junk", "m30", "1e3", "30d"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("rejects durations a timer cannot wait for", () => {
    expect(parseDuration("1000h")).toBeUndefined();
  });
});

describe("time formatting", () => {
  it("shows elapsed time as a clock", () => {
    expect(formatElapsed(0)).toBe("0:00");
    expect(formatElapsed(83_400)).toBe("1:23");
    expect(formatElapsed(3_723_000)).toBe("1:02:03");
  });
  it("words durations", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(2_869)).toBe("2.9 s");
    expect(formatDuration(245_000)).toBe("4 min 5 s");
    expect(formatDuration(30 * 60_000)).toBe("30 min");
  });
});

describe("rendering", () => {
  it("gives --json a flat job with ISO times and raw strings", () => {
    expect(jobToJson(job(), { instanceId: INSTANCE_ID })).toEqual({
      jobId: JOB_ID,
      jobType: "masterStandbySwapJob",
      status: "SUCCESS",
      beginTime: "2023-05-15T22:59:05.379Z",
      endTime: "2023-05-15T22:59:08.248Z",
      durationMs: 2869,
      failReason: null,
      beginTimeRaw: "1684191545379",
      endTimeRaw: "1684191548248",
      instanceId: INSTANCE_ID,
    });
    const running = jobToJson(job({ status: "RUNNING", endTime: undefined, endTimeRaw: "", durationMs: undefined }));
    expect(running).toMatchObject({ endTime: null, durationMs: null, endTimeRaw: "" });
  });

  it("puts the fail reason in the summary of a failed job", () => {
    const text = formatJobSummary(job({ status: "FAIL", failReason: "replication link down" }));
    expect(text).toContain(`DCS job ${JOB_ID} (masterStandbySwapJob): FAIL`);
    expect(text).toMatch(/fail reason\s+replication link down/);
    expect(formatJobSummary(job())).not.toContain("fail reason");
  });

  it("prints a plain line per status change and per failed poll, none per routine poll", () => {
    const base: WaitProgress = { kind: "poll", jobId: JOB_ID, polls: 3, elapsedMs: 4_000, job: job({ status: "RUNNING" }) };
    expect(formatProgressLine(base)).toBeUndefined();
    expect(formatProgressLine({ ...base, kind: "status-change", previousStatus: "INIT" })).toBe(`[0:04] job ${JOB_ID}: INIT -> RUNNING (3 polls)`);
    expect(formatProgressLine({ ...base, kind: "status-change", polls: 1, previousStatus: undefined })).toBe(`[0:04] job ${JOB_ID}: RUNNING (1 poll)`);
    const err = formatProgressLine({ ...base, kind: "poll-error", error: new Error("HTTP 503\nupstream"), nextPollInMs: 2_000 });
    expect(err).toBe(`[0:04] job ${JOB_ID}: poll failed, will keep trying, next poll in 2.0 s: HTTP 503 upstream`);
  });
});

describe("diagnose", () => {
  it("maps each outcome to its documented exit code", () => {
    expect(diagnose(new JobFailedError(job({ status: "FAIL", failReason: "disk full" }))).exitCode).toBe(ExitCode.JobFailed);
    expect(diagnose(new JobTimeoutError(JOB_ID, 60_000, "RUNNING")).exitCode).toBe(ExitCode.Timeout);
    expect(diagnose(new ConfigError("No DCS credentials found.")).exitCode).toBe(ExitCode.Usage);
    const auth = new DcsApiError({ status: 401, errorCode: "APIGW.0301", errorMsg: "Incorrect IAM authentication information", method: "GET", path: "/v2/p/jobs/x", retryable: false });
    expect(diagnose(auth).exitCode).toBe(ExitCode.Api);
    expect(diagnose(new DcsNetworkError("connect ECONNREFUSED 127.0.0.1:1", "GET", "/x", true)).exitCode).toBe(ExitCode.Api);
    expect(diagnose(new InterruptedError("SIGINT")).exitCode).toBe(ExitCode.Interrupted);
    expect(diagnose(new Error("boom")).exitCode).toBe(ExitCode.Api);
  });

  it("names the failed job's reason", () => {
    expect(diagnose(new JobFailedError(job({ status: "FAIL", failReason: "disk full" }))).message).toContain("disk full");
  });

  it("says how to fix an authentication failure (keys, cloud, clock)", () => {
    const auth = new DcsApiError({ status: 401, errorCode: "APIG.0301", errorMsg: "Incorrect IAM authentication information", method: "GET", path: "/x", retryable: false });
    const d = diagnose(auth);
    expect(d.message).toMatch(/^Authentication failed/);
    expect(d.hint).toMatch(/HW_SECRET_KEY/);
    expect(d.hint).toMatch(/clock/);
  });

  it("points a missing-credentials error at the variables and --secret-key-stdin", () => {
    const d = diagnose(new ConfigError("No DCS credentials found. Looked in: ..."));
    expect(d.hint).toMatch(/HW_ACCESS_KEY/);
    expect(d.hint).toMatch(/--secret-key-stdin/);
  });

  it("points half-set key variables at the same fix", () => {
    expect(diagnose(new ConfigError("HW_ACCESS_KEY is set but HW_SECRET_KEY is not: set both (or neither).")).hint).toMatch(/--secret-key-stdin/);
  });

  it("explains a swap refused on an instance that is not master/standby", () => {
    const e = new DcsApiError({ status: 400, errorCode: "DCS.4855", errorMsg: "Master standby swap is not supported.", method: "PUT", path: "/x", retryable: false });
    expect(diagnose(e, { instanceId: INSTANCE_ID })).toMatchObject({ exitCode: ExitCode.Api, hint: expect.stringMatching(/master\/standby \(ha\)/) });
  });

  it("on interrupt, says the job keeps running and names it", () => {
    const d = diagnose(new Error("aborted"), { jobId: JOB_ID, interrupted: true });
    expect(d.exitCode).toBe(ExitCode.Interrupted);
    expect(d.message).toContain(JOB_ID);
    expect(d.message).toMatch(/keeps running in the cloud/);
    expect(d.hint).toContain(`dcs-jobs show ${JOB_ID}`);
  });

  it("on interrupt during a start call, says the outcome is unknown", () => {
    const d = diagnose(new InterruptedError("SIGINT"), { instanceId: INSTANCE_ID, starting: true });
    expect(d.message).toMatch(/may or may not have started/);
    expect(d.message).toContain(INSTANCE_ID);
  });

  it("treats a deadline expiry as a timeout", () => {
    const e = new DOMException("The call's deadline passed before GET /x was sent.", "TimeoutError");
    const d = diagnose(e, { jobId: JOB_ID, timeoutMs: 90_000 });
    expect(d.exitCode).toBe(ExitCode.Timeout);
    expect(d.message).toContain("1 min 30 s");
  });

  it("documents every exit code in the help table", () => {
    for (const code of Object.values(ExitCode)) expect(EXIT_CODES_HELP).toMatch(new RegExp(`^  ${code} `, "m"));
  });
});

describe("output mode", () => {
  it("draws a spinner only on a terminal outside CI", () => {
    expect(chooseProgressMode({ quiet: false, isTTY: true, env: {} })).toBe("spinner");
    expect(chooseProgressMode({ quiet: false, isTTY: false, env: {} })).toBe("plain");
    expect(chooseProgressMode({ quiet: false, isTTY: true, env: { CI: "true" } })).toBe("plain");
    expect(chooseProgressMode({ quiet: false, isTTY: true, env: { CI: "1" } })).toBe("plain");
    expect(chooseProgressMode({ quiet: false, isTTY: true, env: { CI: "false" } })).toBe("spinner");
    expect(chooseProgressMode({ quiet: false, isTTY: true, env: { TERM: "dumb" } })).toBe("plain");
    expect(chooseProgressMode({ quiet: true, isTTY: true, env: {} })).toBe("silent");
  });
});

/** A writable that claims to be a terminal, recording what is drawn. */
function fakeTerminal(): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { isTTY: boolean };
  stream.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  Object.assign(stream, {
    isTTY: true,
    columns: 120,
    cursorTo: (x: number) => stream.write(`\x1b[${x + 1}G`),
    moveCursor: (_x: number, y: number) => stream.write(`\x1b[${Math.abs(y)}${y < 0 ? "A" : "B"}`),
    clearLine: () => stream.write("\x1b[2K"),
  });
  return { stream, text: () => chunks.join("") };
}

describe("live status line", () => {
  it("shows status, elapsed time and polls, and clears itself when stopped", async () => {
    const term = fakeTerminal();
    let now = 0;
    const reporter = await createProgressReporter({ mode: "spinner", stream: term.stream, jobId: JOB_ID, now: () => now });
    now = 65_000;
    reporter.onProgress({ kind: "status-change", jobId: JOB_ID, polls: 7, elapsedMs: 65_000, job: job({ status: "RUNNING" }) });
    reporter.note("a diagnostic line");
    reporter.stop();
    await new Promise((r) => setImmediate(r));
    const drawn = term.text();
    expect(drawn).toContain(`job ${JOB_ID}: RUNNING, 1:05 elapsed, 7 polls`);
    expect(drawn).toContain("a diagnostic line\n");
    expect(drawn).toContain("\x1b[2K"); // the line is cleared, not left behind
  });

  it("in plain mode writes only whole lines with no control sequences", async () => {
    const chunks: string[] = [];
    const stream = new PassThrough();
    stream.on("data", (c: Buffer) => chunks.push(c.toString()));
    const reporter = await createProgressReporter({ mode: "plain", stream, jobId: JOB_ID });
    reporter.onProgress({ kind: "poll", jobId: JOB_ID, polls: 1, elapsedMs: 10, job: job({ status: "INIT" }) });
    reporter.onProgress({ kind: "status-change", jobId: JOB_ID, polls: 1, elapsedMs: 10, job: job({ status: "INIT" }) });
    reporter.stop();
    await new Promise((r) => setImmediate(r));
    expect(chunks.join("")).toBe(`[0:00] job ${JOB_ID}: INIT (1 poll)\n`);
  });
});

describe("credentials from stdin", () => {
  const flags: CommonFlags = { timeoutMs: 1_000, json: false, quiet: false, verbose: false, secretKeyStdin: true };

  it("reads the key without its newline and pairs it with HW_ACCESS_KEY", async () => {
    const stdin = PassThrough.from(["s3cr3t-key\n"]);
    const sk = await readSecretFromStdin(stdin);
    expect(sk).toBe("s3cr3t-key");
    const opts = clientOptionsFor(flags, { HW_ACCESS_KEY: "AKEXAMPLE", HW_SECURITY_TOKEN: "tok" }, sk);
    expect(opts.credentials).toEqual({ accessKey: "AKEXAMPLE", secretKey: "s3cr3t-key", securityToken: "tok" });
  });

  it("refuses empty input, a terminal, and a missing access key", async () => {
    await expect(readSecretFromStdin(PassThrough.from([""]))).rejects.toThrow(/read nothing/);
    const tty = Object.assign(PassThrough.from(["x"]), { isTTY: true });
    await expect(readSecretFromStdin(tty)).rejects.toThrow(/not a terminal/);
    expect(() => clientOptionsFor(flags, {}, "sk")).toThrow(/HW_ACCESS_KEY/);
  });

  it("scrubs every known secret from output", () => {
    const secrets = secretsIn({ HW_SECRET_KEY: "topsecretvalue", HW_ACCESS_KEY: "AKPUBLIC" }, ["fromstdin"]);
    expect(secrets).toEqual(["topsecretvalue", "fromstdin"]);
    expect(redact("a topsecretvalue b fromstdin AKPUBLIC", secrets)).toBe("a *** b *** AKPUBLIC");
  });
});
