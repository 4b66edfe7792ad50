#!/usr/bin/env node
// The `ffikit` command line: doctor, inspect, build, call and gen (one module per command under cli/).

import './core/polyfills';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Command, CommanderError } from 'commander';

import { registerBuild } from './cli/build';
import { registerCall } from './cli/call';
import { EXIT, reportError, type GlobalOptions } from './cli/common';
import { registerDoctor } from './cli/doctor';
import { registerGen } from './cli/gen';
import { registerInspect } from './cli/inspect';
import { PACKAGE_ROOT } from './reference/prebuilds';

/** Builds the program; `setExit` receives each command's exit code. */
export function createProgram(setExit: (code: number) => void): Command {
  const program = new Command('ffikit')
    .description('Call native shared libraries from Node.js: diagnose, inspect, build and try them from the shell.')
    .version(readVersion(), '-V, --version', 'print the ffikit version')
    .option('--verbose', 'print stack traces and the full build commands')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 success, 1 the operation failed, 2 usage error (unknown command/option, bad argument).');

  // Errors thrown by a command become one message and exit 1, named after the command.
  const runner =
    (name: string) =>
    (fn: () => number): void => {
      try {
        setExit(fn());
      } catch (error) {
        setExit(reportError(name, error, program.opts<GlobalOptions>().verbose === true));
      }
    };

  registerDoctor(program, runner('doctor'));
  registerInspect(program, runner('inspect'));
  registerBuild(program, runner('build'));
  registerCall(program, runner('call'));
  registerGen(program, async (fn) => {
    try {
      setExit(await fn());
    } catch (error) {
      setExit(reportError('gen', error, program.opts<GlobalOptions>().verbose === true));
    }
  });
  return program;
}

function readVersion(): string {
  try {
    return String((JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version);
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the CLI with `argv` (as `process.argv`) and resolves to the exit code. Commander's own
 * errors (unknown command or option, missing argument) are usage errors: exit 2.
 */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  let code: number = EXIT.OK;
  const program = createProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    return reportError('ffikit', error, argv.includes('--verbose'));
  }
  return code;
}

if (require.main === module) {
  // `ffikit inspect libc.so.6 | head` closes the pipe early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  void main().then((code) => {
    process.exitCode = code;
  });
}
