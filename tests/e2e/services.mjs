// PostgreSQL and Redis for the cluster tests, started here as plain processes under a
// temporary folder (PostgreSQL as the `postgres` user when run as root: initdb refuses root)
// and stopped by their pids. Debian's `postgresql` and `redis-server` packages provide them
// (scripts/test.sh installs what is missing).

import { execFile, spawn } from 'node:child_process';
import { chown, chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/** A free TCP port on 127.0.0.1. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on `port`. */
async function listening(port, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = tcpConnect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to `pid` and waits until the process is gone. */
async function stopPid(pid, signal = 'SIGTERM', timeoutMs = 20_000) {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  let deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      deadline += timeoutMs;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a PostgreSQL whose `frontdesk` role owns everything; `database()` makes a fresh one. */
export async function startPostgres() {
  const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(a) - Number(b));
  const bin = `/usr/lib/postgresql/${versions.at(-1)}/bin`;
  const dir = await mkdtemp(path.join(tmpdir(), 'frontdesk-pg-'));
  await chmod(dir, 0o755);
  const as = isRoot ? ['runuser', ['-u', 'postgres', '--']] : [null, []];
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout), Number(gid));
  }
  const exec = (file, args) => (as[0] ? run(as[0], [...as[1], file, ...args]) : run(file, args));
  await exec(`${bin}/initdb`, ['-D', `${dir}/pg`, '-A', 'trust', '-U', 'frontdesk', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  await exec(`${bin}/pg_ctl`, ['-D', `${dir}/pg`, '-w', '-l', `${dir}/pg.log`, '-o', opts, 'start']);
  const pid = Number((await readFile(`${dir}/pg/postmaster.pid`, 'utf8')).split('\n')[0]);
  let made = 0;
  return {
    /** A new empty database; its URL. */
    async database() {
      made += 1;
      const name = `cluster_${process.pid}_${made}`;
      await run(`${bin}/psql`, ['-h', '127.0.0.1', '-p', String(port), '-U', 'frontdesk', '-d', 'postgres',
        '-qc', `CREATE DATABASE ${name}`]);
      return `postgres://frontdesk@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await stopPid(pid, 'SIGINT');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a Redis on a free port; it can be stopped and started again on the same port. */
export async function startRedis() {
  const dir = await mkdtemp(path.join(tmpdir(), 'frontdesk-redis-'));
  const port = await freePort();
  let pid = null;
  const redis = {
    url: `redis://127.0.0.1:${port}/?protocol=resp3`,
    // In the foreground, so its pid is known at once: a daemonized Redis listens before it
    // writes its pidfile, and reading that file right after the port answers was a race that
    // failed in CI.
    async start() {
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
        '--appendonly', 'no', '--dir', dir, '--logfile', `${dir}/redis.log`], { stdio: 'ignore' });
      pid = child.pid;
      const exited = new Promise((_, reject) => child.once('exit', (code) => {
        reject(new Error(`redis-server exited (${code}); see ${dir}/redis.log`));
      }));
      await Promise.race([listening(port), exited]);
      exited.catch(() => {});
    },
    async stop() {
      if (pid !== null) await stopPid(pid);
      pid = null;
    },
    async remove() {
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}
