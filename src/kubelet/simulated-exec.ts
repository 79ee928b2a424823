// What an exec probe's command does in a simulated container of a modelled image: the commands that
// test for a file answer from the image's files; `true`, `false` and `exit N` do what they say.
// Any other command is taken to succeed, as nothing here knows better.

export interface ExecResult {
  exitCode: number;
  output: string;
}

const fileTests = new Set(["cat", "ls", "stat", "head", "tail"]);

function shellWords(script: string): string[] {
  return script.trim().split(/\s+/).filter(Boolean);
}

export function simulatedExec(command: string[], files: ReadonlySet<string>): ExecResult {
  let argv = command;
  // sh -c "cmd args": the script's first simple command.
  if (
    (argv[0] === "sh" || argv[0] === "/bin/sh" || argv[0] === "bash" || argv[0] === "/bin/bash") &&
    argv[1] === "-c"
  )
    argv = shellWords(argv[2] ?? "");
  const [cmd = "", ...args] = argv;
  const name = cmd.slice(cmd.lastIndexOf("/") + 1);
  if (name === "true") return { exitCode: 0, output: "" };
  if (name === "false") return { exitCode: 1, output: "" };
  if (name === "exit") return { exitCode: Number(args[0] ?? 0) || 0, output: "" };
  const paths = args.filter((a) => !a.startsWith("-"));
  if (name === "test" || name === "[") {
    const path = paths.find((p) => p.startsWith("/"));
    return { exitCode: path && files.has(path) ? 0 : 1, output: "" };
  }
  if (fileTests.has(name)) {
    const missing = paths.find((p) => !files.has(p));
    if (missing === undefined) return { exitCode: 0, output: "" };
    const what = name === "ls" ? `cannot access '${missing}'` : missing;
    return { exitCode: name === "ls" ? 2 : 1, output: `${name}: ${what}: No such file or directory\n` };
  }
  return { exitCode: 0, output: "" };
}
