// A test that writes to the console fails: the output stays readable, and a stray message is
// usually a symptom (an error logged and swallowed). Services log through pino, silent in tests.
import { format } from 'node:util';

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
const written: string[] = [];

beforeEach(() => {
  for (const method of METHODS) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      written.push(`console.${method}: ${format(...args)}`);
    });
  }
});

afterEach(() => {
  jest.restoreAllMocks();
  const messages = written.splice(0);
  if (messages.length) throw new Error(`The test wrote to the console:\n${messages.join('\n')}`);
});
