// Starts one real `recd demo` for a test run: builds the binary from the repository (or uses
// $RECD_BIN), picks a free loopback port and a temporary data directory, waits for /readyz,
// and stops the server and removes its files at the end. With $RECD_URL set it starts nothing
// and uses the server (or validating proxy) there, with $RECD_ADMIN_KEY as its key when auth is on.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * startRecd returns { baseUrl, apiKey, stop }; the demo trains on the bundled data before it is
 * ready. apiKey is undefined for the demo, which runs without keys.
 */
export async function startRecd({ readyTimeoutMs = 600_000 } = {}) {
  const url = process.env.RECD_URL;
  if (url) return { baseUrl: url.replace(/\/+$/, ""), apiKey: process.env.RECD_ADMIN_KEY || undefined, stop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), "recd-sdk-ts-"));
  let bin = process.env.RECD_BIN;
  if (!bin) {
    bin = join(dir, "recd");
    execFileSync("go", ["build", "-o", bin, "./cmd/recd"], { cwd: repoRoot, stdio: "inherit" });
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ["demo", "--addr", `127.0.0.1:${port}`, "--data-dir", join(dir, "data"), "--no-progress"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  proc.stderr.on("data", (b) => { log = (log + b).slice(-4000); });
  let exited = false;
  const done = new Promise((resolve) => proc.on("exit", () => { exited = true; resolve(); }));
  const stop = async () => {
    if (!exited) proc.kill("SIGTERM");
    await done;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`recd demo exited before it was ready:\n${log}`);
    }
    try {
      if ((await fetch(`${baseUrl}/readyz`)).ok) return { baseUrl, apiKey: undefined, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`recd demo not ready after ${readyTimeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
