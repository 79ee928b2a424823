import { runServer, serverFlags } from "./server.ts";
import { agentFlags, runAgent } from "./agent.ts";
import { runKillall } from "./killall.ts";
import { UsageError, usage } from "./flags.ts";

const help = `skiff - Kubernetes, written in TypeScript

USAGE:
   skiff server [flags]   run a cluster: API server, controllers, scheduler and a node of its own
   skiff agent --server URL --token TOKEN [flags]   run a node that joins a cluster
   skiff killall [--data-dir DIR]   stop every pod of a stopped node and remove its network setup

SERVER FLAGS:
${usage(serverFlags)}

AGENT FLAGS:
${usage(agentFlags.filter((a) => !serverFlags.some((s) => s.name === a.name)))}
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "server":
      return runServer(rest);
    case "agent":
      return runAgent(rest);
    case "killall":
      return runKillall(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(help);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`skiff: unknown command "${command}"\n\n${help}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`Incorrect Usage: ${err.message}\n\n${help}`);
      process.exit(1);
    }
    // Errors about the machine or its peers are said in one line; anything else is a bug: its stack.
    if ((err as Error)?.name === "EtcdUnreachableError")
      process.stderr.write(`skiff: ${(err as Error).message}\n`);
    else process.stderr.write(`skiff: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
