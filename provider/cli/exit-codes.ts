/**
 * The `dcs-jobs` exit codes. They are part of the CLI's interface (scripts branch on them), so they
 * live in one place that the help text, the docs and the tests all read.
 */

/** Exit codes of `dcs-jobs`. */
export const ExitCode = {
  /** The job succeeded (or the command did what it was asked, e.g. `show`, or nothing needed doing). */
  Ok: 0,
  /** The job ended in FAIL; its fail_reason is printed. */
  JobFailed: 1,
  /** Bad usage or configuration (unknown command, malformed ID, missing credentials): nothing was sent. */
  Usage: 2,
  /** `--timeout` passed before the job ended. The job may still be running. */
  Timeout: 3,
  /** The API refused or could not be reached (authentication, permissions, network, unexpected answer). */
  Api: 4,
  /** Interrupted (Ctrl-C / SIGINT, or SIGTERM). The job keeps running in the cloud. */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit-code table as shown in `--help` and in docs/cli.md. */
export const EXIT_CODES_HELP = [
  "Exit codes:",
  "  0    the job succeeded (show: the job was read; client-ip: nothing to change)",
  "  1    the job failed (its fail_reason is printed)",
  "  2    usage or configuration error (nothing was sent)",
  "  3    timed out (--timeout); the job may still be running",
  "  4    API, authentication or network error",
  "  130  interrupted (Ctrl-C); the job keeps running in the cloud",
].join("\n");
