import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM files of a test certificate authority and what it signed, made with `openssl`. */
export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  /** For 127.0.0.1 and localhost (serverAuth). */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A client certificate (clientAuth), CN "edge". */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A CA that signed none of these: verifying against it must fail. */
  readonly otherCaFile: string;
  dispose(): void;
}

/** Makes a CA, a server certificate for loopback and a client certificate (P-256, valid two days). */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "lc-certs-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  for (const ca of ["ca", "other-ca"]) {
    openssl("req", "-x509", ...newKey, "-keyout", file(`${ca}.key`), "-out", file(`${ca}.pem`), "-days", "2", "-subj", `/CN=Live Comments ${ca}`);
  }
  const sign = (name: string, subject: string, extensions: string) => {
    openssl("req", ...newKey, "-keyout", file(`${name}.key`), "-out", file(`${name}.csr`), "-subj", subject);
    writeFileSync(file(`${name}.ext`), extensions);
    openssl(
      "x509",
      "-req",
      "-in",
      file(`${name}.csr`),
      "-CA",
      file("ca.pem"),
      "-CAkey",
      file("ca.key"),
      "-CAcreateserial",
      "-out",
      file(`${name}.pem`),
      "-days",
      "2",
      "-extfile",
      file(`${name}.ext`),
    );
  };
  sign("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  sign("client", "/CN=edge", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    caFile: file("ca.pem"),
    serverCertFile: file("server.pem"),
    serverKeyFile: file("server.key"),
    clientCertFile: file("client.pem"),
    clientKeyFile: file("client.key"),
    otherCaFile: file("other-ca.pem"),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
