// The log explorer's check, run in the reader's browser with WebCrypto: is
// entry i in the log, and did the key the reader trusts sign the checkpoint
// that says so? Nothing the server says is trusted but the bytes it serves:
// the signature is checked against the pasted key (C2SP signed-note), the
// leaf hash and the audit path are computed here (RFC 9162 §2.1.3.2), the
// witnesses' cosignatures (C2SP tlog-cosignature) are verified against the
// reader's trust policy (C2SP tlog-policy), and each opening the reader is
// given is hashed against the entry's commitment.
// Every message comes from the page (#log-messages, from the catalogue).
"use strict";

/** A check that failed: `code` names which (the result's data-failure), `text` says it. */
class CheckFailure extends Error {
  constructor(code, text) {
    super(text);
    this.code = code;
  }
}

function messages() {
  const found = {};
  for (const span of document.querySelectorAll("#log-messages [data-key]")) {
    found[span.dataset.key] = span.textContent;
  }
  return (key, values = {}) =>
    Object.entries(values).reduce((text, [name, value]) => text.replaceAll(`{${name}}`, String(value)), found[key] || key);
}

/** Standard base64 (with "+" and "/") to bytes; never through URL decoding, which reads "+" as a space. */
function base64Bytes(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The key ID of C2SP signed-note: the first 4 bytes of SHA-256(name || "\n" || type || key). */
async function keyId(name, typeAndKey) {
  return (await sha256(concat(new TextEncoder().encode(name), Uint8Array.of(0x0a), typeAndKey))).slice(0, 4);
}

/**
 * A verifier key `name+hexkeyid+base64(0x01 || 32-byte key)`. The name ends
 * at the first "+" (a name has none); the base64 may hold "+" itself.
 */
async function parseVerifierKey(text, say, keyType = 0x01) {
  const bad = (reason, values) => new CheckFailure("bad_key", say(reason, values));
  const first = text.indexOf("+");
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, first + 9);
  if (first <= 0 || text[first + 9] !== "+" || !/^[0-9a-f]{8}$/.test(idHex)) throw bad("bad_key_format");
  const typeAndKey = base64Bytes(text.slice(first + 10));
  if (!typeAndKey || typeAndKey.length !== 33 || typeAndKey[0] !== keyType) throw bad("bad_key_type");
  const expected = hex(await keyId(name, typeAndKey));
  if (expected !== idHex) throw bad("bad_key_id", { found: idHex, expected });
  return { name, id: idHex, publicKey: typeAndKey.slice(1), label: `${name}+${idHex}` };
}

/** A checkpoint note: the signed text (through its last newline), its origin, size and root, its signatures. */
function parseCheckpoint(note, say) {
  const bad = (line) => new CheckFailure("bad_checkpoint", say("bad_checkpoint", { line: JSON.stringify(line) }));
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw bad(note.split("\n").pop());
  const text = note.slice(0, split + 1);
  const [origin, sizeLine, rootLine] = text.split("\n");
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine || "")) throw bad(sizeLine || "");
  const root = base64Bytes(rootLine || "");
  if (!root || root.length !== 32) throw bad(rootLine || "");
  const signatures = [];
  for (const line of note.slice(split + 2, -1).split("\n")) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    const bytes = match && base64Bytes(match[2]);
    if (!bytes || bytes.length < 5) throw bad(line);
    signatures.push({ name: match[1], id: hex(bytes.slice(0, 4)), signature: bytes.slice(4) });
  }
  return { text, origin, size: BigInt(sizeLine), root, signatures };
}

/** Checks the checkpoint's signature by `key`; throws which check failed. */
async function verifySignature(checkpoint, key, say) {
  const named = checkpoint.signatures.filter((s) => s.name === key.name);
  if (named.length === 0) {
    // The log's signatures only: a witness's cosignature (cosignature/v1,
    // a timestamp before its Ed25519 signature: 72 bytes) names a cosigner.
    const names = checkpoint.signatures.filter((s) => s.signature.length === 64).map((s) => s.name).join(", ");
    throw new CheckFailure("wrong_name", say("wrong_name", { names, name: key.name }));
  }
  const signature = named.find((s) => s.id === key.id);
  if (!signature) {
    const found = named.map((s) => s.id).join(", ");
    throw new CheckFailure("key_id_mismatch", say("key_id_mismatch", { name: key.name, found, expected: key.id }));
  }
  let publicKey;
  try {
    publicKey = await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch (error) {
    if (error && error.name === "NotSupportedError") {
      throw new CheckFailure("unavailable", say("unavailable_ed25519"));
    }
    throw error;
  }
  const message = new TextEncoder().encode(checkpoint.text);
  const valid = signature.signature.length === 64 &&
    await crypto.subtle.verify({ name: "Ed25519" }, publicKey, signature.signature, message);
  if (!valid) throw new CheckFailure("bad_signature", say("bad_signature", { key: key.label }));
}

/**
 * A C2SP tlog-policy: `log <vkey> [<url>]`, `witness <name> <vkey> [<url>]`,
 * `group <name> all|any|<k> <name>...`, `quorum <name>|none`; a name is
 * defined before it is used, once. Resolves to the logs' keys, the
 * witnesses and the quorum (null for none).
 */
async function parsePolicy(text, say) {
  const logs = [];
  const witnesses = [];
  const names = new Map();
  let quorum;
  const lines = text.split("\n");
  for (const [number, raw] of lines.entries()) {
    const words = raw.split(/[ \t]+/).filter((word) => word !== "");
    if (words.length === 0 || words[0].startsWith("#")) continue;
    const bad = new CheckFailure("bad_policy", say("bad_policy", { line: number + 1, text: raw.trim() }));
    const [keyword, ...rest] = words;
    const key = async (keyText, keyType) => {
      try {
        return await parseVerifierKey(keyText, say, keyType);
      } catch {
        throw bad;
      }
    };
    if (keyword === "log" && (rest.length === 1 || rest.length === 2)) {
      logs.push(await key(rest[0], 0x01));
    } else if (keyword === "witness" && (rest.length === 2 || rest.length === 3) && !names.has(rest[0])) {
      names.set(rest[0], { witness: witnesses.length });
      witnesses.push({ name: rest[0], key: await key(rest[1], 0x04) });
    } else if (keyword === "group" && rest.length >= 3 && !names.has(rest[0])) {
      const memberNames = rest.slice(2);
      const members = memberNames.map((name) => names.get(name));
      if (members.some((m) => !m) || new Set(memberNames).size !== members.length) throw bad;
      const t = rest[1];
      const threshold = t === "all" ? members.length : t === "any" ? 1 : /^[1-9][0-9]*$/.test(t) ? Number(t) : 0;
      if (threshold < 1 || threshold > members.length) throw bad;
      names.set(rest[0], { group: { threshold, members } });
    } else if (keyword === "quorum" && rest.length === 1 && quorum === undefined) {
      quorum = rest[0] === "none" ? null : names.get(rest[0]);
      if (quorum === undefined) throw bad;
    } else {
      throw bad;
    }
  }
  if (quorum === undefined) throw new CheckFailure("bad_policy", say("policy_no_quorum"));
  return { logs, witnesses, quorum };
}

/** The time (POSIX seconds) of `key`'s valid cosignature/v1 on the checkpoint, or null. */
async function cosignedAt(checkpoint, key) {
  const line = checkpoint.signatures.find((s) => s.name === key.name && s.id === key.id);
  if (!line || line.signature.length !== 72) return null;
  const time = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0);
  if (time >= 1n << 63n) return null;
  const publicKey = await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
  const message = new TextEncoder().encode(`cosignature/v1\ntime ${time}\n${checkpoint.text}`);
  const valid = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, line.signature.slice(8), message);
  return valid ? time : null;
}

/** Whether the checkpoint meets the policy's quorum: who cosigned it (and when), who is missing. */
async function quorum(policy, checkpoint) {
  const times = await Promise.all(policy.witnesses.map((w) => cosignedAt(checkpoint, w.key)));
  const satisfied = (member) => "witness" in member
    ? times[member.witness] !== null
    : member.group.members.filter(satisfied).length >= member.group.threshold;
  const missing = new Set();
  const collect = (member) => {
    if ("witness" in member) {
      if (times[member.witness] === null) missing.add(policy.witnesses[member.witness].name);
    } else {
      member.group.members.forEach(collect);
    }
  };
  const met = policy.quorum === null || satisfied(policy.quorum);
  if (!met) collect(policy.quorum);
  const cosigned = policy.witnesses
    .map((w, i) => times[i] === null ? null : `${w.name} (${new Date(Number(times[i]) * 1000).toISOString().replace(".000Z", "Z")})`)
    .filter((line) => line !== null);
  return { met, cosigned, missing: [...missing] };
}

/**
 * The checkpoint the reader may trust under its policy: the current one if
 * its quorum is met, else the latest all witnesses cosigned (the witnesses
 * cosign a moment after a checkpoint is signed), once its own signature is
 * checked too. Throws which witnesses are missing when neither will do.
 */
async function witnessedCheckpoint(current, key, policy, say, step) {
  let verdict = await quorum(policy, current);
  let checkpoint = current;
  if (!verdict.met) {
    const view = await fetchFrom("/api/v1/log/witnesses", "/api/v1/log/witnesses", true, say);
    if (view.cosigned_by_all) {
      const older = parseCheckpoint(view.cosigned_by_all.note, say);
      await verifySignature(older, key, say);
      const olderVerdict = await quorum(policy, older);
      if (olderVerdict.met && older.size <= current.size) {
        step(say("fallback", { latest: current.size, size: older.size }));
        checkpoint = older;
        verdict = olderVerdict;
      }
    }
  }
  if (!verdict.met) {
    throw new CheckFailure("quorum_not_met", say("quorum_not_met", { size: checkpoint.size, missing: verdict.missing.join(", ") }));
  }
  step(say("cosigned", { size: checkpoint.size, names: verdict.cosigned.join(", ") || "—" }));
  return checkpoint;
}

/** The root an audit path leads to from `leaf` at `index` in a tree of `size` (RFC 9162 §2.1.3.2), or null if the path is the wrong length. */
async function rootFromPath(index, size, leaf, path) {
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(concat(Uint8Array.of(1), p, r));
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await sha256(concat(Uint8Array.of(1), r, p));
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null;
}

/** GETs `url` as text or JSON; a refusal is a failure naming what was fetched and the server's detail. `signedIn` sends the reader's session (for what its role may open). */
async function fetchFrom(url, what, json, say, signedIn = false) {
  const response = await fetch(url, { credentials: signedIn ? "same-origin" : "omit", cache: "no-store" });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new CheckFailure("fetch_failed", say("fetch_failed", { what, status: response.status, detail: problem.detail || "" }));
  }
  return json ? response.json() : response.text();
}

/** The whole check of entry `indexText` against the key `keyText`; resolves to the success message. */
async function check(indexText, keyText, policyText, say, step) {
  if (!/^(0|[1-9][0-9]*)$/.test(indexText)) {
    throw new CheckFailure("bad_index", say("bad_index", { index: indexText }));
  }
  const index = BigInt(indexText);
  const key = await parseVerifierKey(keyText, say);
  const policy = policyText === "" ? null : await parsePolicy(policyText, say);
  const current = parseCheckpoint(await fetchFrom("/log/checkpoint", "/log/checkpoint", false, say), say);
  await verifySignature(current, key, say);
  step(say("signature_ok", { key: key.label, size: current.size }));
  if (policy && policy.logs.length > 0 && !policy.logs.some((log) => equal(log.publicKey, key.publicKey))) {
    throw new CheckFailure("policy_other_log", say("policy_other_log", { key: key.label }));
  }
  if (index >= current.size) {
    const last = current.size - 1n;
    throw new CheckFailure("beyond", say("beyond", { index, size: current.size, last }));
  }
  const checkpoint = policy ? await witnessedCheckpoint(current, key, policy, say, step) : current;
  if (index >= checkpoint.size) {
    const last = checkpoint.size - 1n;
    throw new CheckFailure("beyond_witnessed", say("beyond_witnessed", { index, size: checkpoint.size, last }));
  }
  const entryUrl = `/api/v1/log/entries/${index}`;
  const proofUrl = `/api/v1/log/proof/inclusion?index=${index}&size=${checkpoint.size}`;
  const [entry, proof] = await Promise.all([
    fetchFrom(entryUrl, entryUrl, true, say),
    fetchFrom(proofUrl, proofUrl, true, say),
  ]);
  const data = base64Bytes(entry.data || "");
  const path = (proof.hashes || []).map(base64Bytes);
  if (!data || path.some((h) => !h || h.length !== 32)) {
    throw new CheckFailure("fetch_failed", say("fetch_failed", { what: entryUrl, status: 200, detail: "base64" }));
  }
  const leaf = await sha256(concat(Uint8Array.of(0), data));
  const root = await rootFromPath(index, checkpoint.size, leaf, path);
  if (root === null) {
    throw new CheckFailure("proof_length", say("proof_length", { count: path.length, size: checkpoint.size }));
  }
  if (!equal(root, checkpoint.root)) {
    throw new CheckFailure("root_mismatch", say("root_mismatch", {
      index, computed: btoa(String.fromCharCode(...root)), root: btoa(String.fromCharCode(...checkpoint.root)),
    }));
  }
  step(say("included", { index, size: checkpoint.size, key: key.label }));
  return checkOpenings(index, data, say);
}

/** Hex text to bytes, or null. */
function hexBytes(text) {
  if (typeof text !== "string" || !/^([0-9a-f]{2})*$/.test(text)) return null;
  return Uint8Array.from(text.match(/../g) || [], (pair) => parseInt(pair, 16));
}

/** An opening's digest, hex SHA-256(salt || text), or null for a salt that is not 32 bytes of hex. */
async function digestOf(opening) {
  const salt = hexBytes(opening.salt);
  if (!salt || salt.length !== 32) return null;
  return hex(await sha256(concat(salt, new TextEncoder().encode(opening.text || ""))));
}

/**
 * An entry's one commitment over its groups' digests (envelope version 3):
 * SHA-256 of "truce-commitment/v1\n" and a line "group digest" a group, in
 * the order of the groups' names.
 */
async function commitmentOver(digests) {
  const lines = digests
    .slice()
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, digest]) => `${group} ${digest}\n`)
    .join("");
  return hex(await sha256(new TextEncoder().encode(`truce-commitment/v1\n${lines}`)));
}

/**
 * The openings the server gives this reader (those disclosed, and those its
 * role may open), checked against the commitment in the entry's own bytes,
 * which were just proved in the log. The entry commits once to its groups'
 * digests, SHA-256(salt || text): the server gives the digests of the
 * groups it withholds, and the openings with them must make the entry's
 * commitment. (An entry of version 2 commits to each group on its own.)
 */
async function checkOpenings(index, data, say) {
  let entry;
  try {
    entry = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return say("no_commitments", { index });
  }
  const one = entry && typeof entry.commitment === "string" ? entry.commitment : null;
  const each = (entry && entry.commitments) || {};
  if (!one && Object.keys(each).length === 0) return say("no_commitments", { index });
  const url = `/api/v1/log/entries/${index}/openings`;
  const served = await fetchFrom(url, url, true, say, true);
  const opened = [];
  const digests = [];
  const mismatch = (group) => new CheckFailure("opening_mismatch", say("opening_mismatch", { index, group }));
  for (const opening of served.openings || []) {
    const digest = await digestOf(opening);
    if (!digest || (!one && digest !== each[opening.group])) throw mismatch(opening.group);
    opened.push(opening.group);
    digests.push([opening.group, digest]);
  }
  let withheld;
  if (one) {
    const others = served.withheld && typeof served.withheld === "object" && !Array.isArray(served.withheld)
      ? served.withheld
      : {};
    withheld = Object.keys(others);
    const twice = withheld.some((group) => opened.includes(group));
    if (twice || (await commitmentOver([...digests, ...Object.entries(others)])) !== one) {
      throw mismatch(opened.join(", ") || "—");
    }
  } else {
    withheld = Object.keys(each).filter((group) => !opened.includes(group));
  }
  return say("openings_ok", {
    index,
    opened: opened.join(", ") || "—",
    withheld: withheld.join(", ") || "—",
  });
}

function show(result, outcome, failure, lines) {
  result.dataset.outcome = outcome;
  if (failure) result.dataset.failure = failure;
  else delete result.dataset.failure;
  result.className = `check-result ${outcome}`;
  const list = document.createElement("ul");
  for (const line of lines) {
    const item = document.createElement("li");
    item.textContent = line;
    list.append(item);
  }
  result.replaceChildren(list);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("log-check");
  if (!form) return;
  const say = messages();
  const result = document.getElementById("check-result");
  if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
    const unavailable = document.getElementById("check-unavailable");
    unavailable.textContent = say("unavailable_insecure");
    unavailable.hidden = false;
    for (const control of form.elements) control.disabled = true;
    return;
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const indexText = form.elements.index.value.trim();
    const keyText = form.elements.key.value.trim();
    const policyText = form.elements.policy.value.trim();
    const lines = [];
    show(result, "checking", null, [say("checking", { index: indexText })]);
    try {
      const openings = await check(indexText, keyText, policyText, say, (line) => lines.push(line));
      show(result, "included", null, [...lines, openings]);
    } catch (error) {
      if (!(error instanceof CheckFailure)) console.error(error);
      const code = error instanceof CheckFailure ? error.code : "error";
      show(result, "failed", code, [...lines, error.message || String(error)]);
    }
  });
  for (const button of document.querySelectorAll("[data-check-index]")) {
    button.addEventListener("click", () => {
      form.elements.index.value = button.dataset.checkIndex;
      form.requestSubmit();
      result.scrollIntoView({ block: "nearest" });
    });
  }
});
