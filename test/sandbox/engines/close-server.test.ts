/** Closing a local engine's HTTP server: requests already being served finish; idle connections do not hold it open. */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../../../sandbox/engines/aws-json-server';

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('closeServer', () => {
  it('lets a request already being served finish instead of cutting its connection', async () => {
    // Prepare: the handler answers a little after the server is told to close.
    let arrived: () => void = () => undefined;
    const inHandler = new Promise<void>((r) => (arrived = r));
    const server = createServer((_req, res) => {
      arrived();
      setTimeout(() => res.end('stored'), 100);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const reply = get((server.address() as AddressInfo).port);
    await inHandler;

    // Act
    await closeServer(server);

    // Assess
    await expect(reply).resolves.toEqual({ status: 200, body: 'stored' });
    expect(server.listening).toBe(false);
  });

  it('still closes when a request never finishes, after the grace period', async () => {
    // Prepare: a handler that never answers.
    let arrived: () => void = () => undefined;
    const inHandler = new Promise<void>((r) => (arrived = r));
    const server = createServer(() => arrived());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const reply = get((server.address() as AddressInfo).port);
    await inHandler;

    // Act
    await closeServer(server, 50);

    // Assess: the request is cut (the client sees the connection end), the server is closed.
    await expect(reply).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(server.listening).toBe(false);
  });
});
