import { generateKeyPairSync, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import forge from "node-forge";

/**
 * A certificate authority that lives as long as one sandbox: its key never leaves the host
 * process, the guest gets only its certificate (to trust the interception), and no two
 * sandboxes share one. Leaf certificates are minted per name the guest asks for (SNI) and
 * cached; they share one key, generated with the CA.
 */
export class SandboxCa {
  /** The CA certificate, PEM: what the guest trusts. */
  readonly certificatePem: string;
  private readonly caCert: forge.pki.Certificate;
  private readonly caKey: forge.pki.PrivateKey;
  private readonly leafKeyPem: string;
  private readonly leafPublic: forge.pki.PublicKey;
  private readonly contexts = new Map<string, SecureContext>();

  constructor(name = "Airlock sandbox CA") {
    // Node generates the RSA keys (native, fast); forge only builds and signs certificates.
    const ca = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const leaf = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.caKey = forge.pki.privateKeyFromPem(
      ca.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    );
    const caPublic = forge.pki.publicKeyFromPem(
      ca.publicKey.export({ type: "spki", format: "pem" }).toString(),
    );
    this.leafKeyPem = leaf.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    this.leafPublic = forge.pki.publicKeyFromPem(
      leaf.publicKey.export({ type: "spki", format: "pem" }).toString(),
    );

    const cert = forge.pki.createCertificate();
    cert.publicKey = caPublic;
    cert.serialNumber = `01${randomBytes(15).toString("hex")}`;
    cert.validity.notBefore = new Date(Date.now() - 3600_000);
    cert.validity.notAfter = new Date(Date.now() + 7 * 24 * 3600_000);
    const subject = [
      { name: "commonName", value: `${name} ${randomBytes(4).toString("hex")}` },
      { name: "organizationName", value: "Airlock" },
    ];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ]);
    cert.sign(this.caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    this.caCert = cert;
    this.certificatePem = forge.pki.certificateToPem(cert);
  }

  /** A TLS context presenting a certificate for `name` (a DNS name or an IP), signed by this CA. */
  contextFor(name: string): SecureContext {
    let ctx = this.contexts.get(name);
    if (!ctx) {
      const { key, cert } = this.issue(name);
      // Guest-facing only: busybox's TLS client offers signature algorithms OpenSSL 3 refuses at
      // its default security level. This hop never leaves the host (guest ↔ data plane); the
      // upstream hop keeps Node's defaults.
      ctx = createSecureContext({ key, cert, ciphers: "DEFAULT@SECLEVEL=0" });
      if (this.contexts.size > 256) this.contexts.clear();
      this.contexts.set(name, ctx);
    }
    return ctx;
  }

  /** A leaf certificate (chain PEM, leaf first) and its key for `name`. */
  issue(name: string): { key: string; cert: string } {
    {
      const cert = forge.pki.createCertificate();
      cert.publicKey = this.leafPublic;
      cert.serialNumber = `01${randomBytes(15).toString("hex")}`;
      cert.validity.notBefore = new Date(Date.now() - 3600_000);
      cert.validity.notAfter = new Date(Date.now() + 7 * 24 * 3600_000);
      cert.setSubject([{ name: "commonName", value: name.slice(0, 64) }]);
      cert.setIssuer(this.caCert.subject.attributes);
      cert.setExtensions([
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: [isIP(name) ? { type: 7, ip: name } : { type: 2, value: name }],
        },
      ]);
      cert.sign(this.caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
      return {
        key: this.leafKeyPem,
        cert: `${forge.pki.certificateToPem(cert)}${this.certificatePem}`,
      };
    }
  }
}
