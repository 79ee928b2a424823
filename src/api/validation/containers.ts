import {
  duplicate,
  forbidden,
  invalid,
  notFound,
  notSupported,
  required,
  type FieldError,
} from "../../apimachinery/field-error.ts";
import { asArray, asMap, dnsLabel, idx, isObject, key, str } from "./common.ts";
import {
  isConfigMapKey,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
} from "./formats.ts";
import { validateContainerProbe, validateLifecycle } from "./probes.ts";
import { quantityText, quantityValue } from "./quantity.ts";
import { localDescendingPath } from "./volumes.ts";

const supportedProtocols = ["SCTP", "TCP", "UDP"];

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  asArray(ports).forEach((port, i) => {
    const p = asMap(port);
    const pp = idx(path, i);
    const name = str(p.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(invalid(`${pp}.name`, name, m));
      else if (names.has(name)) errs.push(duplicate(`${pp}.name`, name));
      else names.add(name);
    }
    const cp = typeof p.containerPort === "number" ? p.containerPort : 0;
    if (cp === 0) errs.push(required(`${pp}.containerPort`, ""));
    else for (const m of isValidPortNum(cp)) errs.push(invalid(`${pp}.containerPort`, cp, m));
    if (typeof p.hostPort === "number" && p.hostPort !== 0)
      for (const m of isValidPortNum(p.hostPort)) errs.push(invalid(`${pp}.hostPort`, p.hostPort, m));
    if (!str(p.protocol)) errs.push(required(`${pp}.protocol`, ""));
    else if (!supportedProtocols.includes(p.protocol))
      errs.push(notSupported(`${pp}.protocol`, p.protocol, supportedProtocols));
  });
  return errs;
}

// RelaxedEnvironmentVariableValidation is on by default in the 1.32 apiserver skiff reports.
function envNameErrors(name: string): string[] {
  for (const ch of name) {
    const c = ch.codePointAt(0) ?? 0;
    if (c > 0x7e || c < 0x20 || ch === "=")
      return [
        "a valid environment variable name must consist only of printable ASCII characters other than '='",
      ];
  }
  return [];
}

const envFieldPaths = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];
const resourceFieldPaths = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
];

function validateKeySelector(sel: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(sel.name);
  for (const m of nameIsDNSSubdomain(name, false)) errs.push(invalid(`${path}.name`, name, m));
  const k = str(sel.key);
  if (!k) errs.push(required(`${path}.key`, ""));
  else for (const m of isConfigMapKey(k)) errs.push(invalid(`${path}.key`, k, m));
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArray(env).forEach((e, i) => {
    const ev = asMap(e);
    const p = idx(path, i);
    const name = str(ev.name);
    if (!name) errs.push(required(`${p}.name`, ""));
    else for (const m of envNameErrors(name)) errs.push(invalid(`${p}.name`, name, m));
    if (!isObject(ev.valueFrom)) return;
    const vf = ev.valueFrom;
    const vp = `${p}.valueFrom`;
    let sources = 0;
    if (isObject(vf.fieldRef)) {
      sources++;
      const fr = vf.fieldRef;
      if (!str(fr.apiVersion)) errs.push(required(`${vp}.fieldRef.apiVersion`, ""));
      else if (!str(fr.fieldPath)) errs.push(required(`${vp}.fieldRef.fieldPath`, ""));
      else {
        const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fr.fieldPath);
        if (sub) {
          const k = sub[1] === "metadata.annotations" ? sub[2].toLowerCase() : sub[2];
          for (const m of isQualifiedName(k)) errs.push(invalid(`${vp}.fieldRef`, k, m));
        } else if (!envFieldPaths.includes(fr.fieldPath))
          errs.push(notSupported(`${vp}.fieldRef.fieldPath`, fr.fieldPath, envFieldPaths));
      }
    }
    if (isObject(vf.resourceFieldRef)) {
      sources++;
      const r = str(vf.resourceFieldRef.resource);
      if (!r) errs.push(required(`${vp}.resourceFieldRef.resource`, ""));
      else if (!resourceFieldPaths.includes(r) && !/^(requests|limits)\.hugepages-/.test(r))
        errs.push(notSupported(`${vp}.resourceFieldRef.resource`, r, resourceFieldPaths));
    }
    if (isObject(vf.configMapKeyRef)) {
      sources++;
      errs.push(...validateKeySelector(vf.configMapKeyRef, `${vp}.configMapKeyRef`));
    }
    if (isObject(vf.secretKeyRef)) {
      sources++;
      errs.push(...validateKeySelector(vf.secretKeyRef, `${vp}.secretKeyRef`));
    }
    if (sources === 0)
      errs.push(
        invalid(
          vp,
          "",
          "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ),
      );
    else if (str(ev.value)) errs.push(invalid(vp, "", "may not be specified when `value` is not empty"));
    else if (sources > 1) errs.push(invalid(vp, "", "may not have more than one field specified at a time"));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArray(envFrom).forEach((e, i) => {
    const ev = asMap(e);
    const p = idx(path, i);
    if (str(ev.prefix))
      for (const m of envNameErrors(ev.prefix)) errs.push(invalid(`${p}.prefix`, ev.prefix, m));
    let sources = 0;
    for (const kind of ["configMapRef", "secretRef"]) {
      if (!isObject(ev[kind])) continue;
      sources++;
      const name = str(ev[kind].name);
      if (!name) errs.push(required(`${p}.${kind}.name`, ""));
      else for (const m of nameIsDNSSubdomain(name, true)) errs.push(invalid(`${p}.${kind}.name`, name, m));
    }
    if (sources === 0) errs.push(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (sources > 1)
      errs.push(invalid(path, "", "may not have more than one field specified at a time"));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  asArray(mounts).forEach((m, i) => {
    const vm = asMap(m);
    const p = idx(path, i);
    const name = str(vm.name);
    const mountPath = str(vm.mountPath);
    if (!name) errs.push(required(`${p}.name`, ""));
    if (!volumes.has(name)) errs.push(notFound(`${p}.name`, name));
    if (!mountPath) errs.push(required(`${p}.mountPath`, ""));
    if (mountPoints.has(mountPath)) errs.push(invalid(`${p}.mountPath`, mountPath, "must be unique"));
    mountPoints.add(mountPath);
    // core/validation ValidateVolumeMounts reports subPath problems on the list's path, not the item's.
    if (str(vm.subPath)) errs.push(...localDescendingPath(vm.subPath, `${path}.subPath`));
    if (str(vm.subPathExpr)) {
      if (str(vm.subPath))
        errs.push(
          invalid(`${p}.subPathExpr`, vm.subPathExpr, "subPathExpr and subPath are mutually exclusive"),
        );
      errs.push(...localDescendingPath(vm.subPathExpr, `${path}.subPathExpr`));
    }
  });
  return errs;
}

const standardContainerResources = new Set(["cpu", "memory", "ephemeral-storage"]);
const standardResources = new Set([
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "services",
  "replicationcontrollers",
  "resourcequotas",
  "secrets",
  "persistentvolumeclaims",
  "configmaps",
  "requests.storage",
  "storage",
]);

const isHugePages = (r: string) => r.startsWith("hugepages-");
const isNative = (r: string) => !r.includes("/") || r.startsWith("kubernetes.io/");
const overcommitAllowed = (r: string) => isNative(r) && !isHugePages(r);

function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes("/")) {
    if (!standardResources.has(name) && !isHugePages(name))
      errs.push(invalid(path, name, "must be a standard resource type or fully qualified"));
    if (!standardContainerResources.has(name) && !isHugePages(name))
      errs.push(invalid(path, name, "must be a standard resource for containers"));
  }
  return errs;
}

function validateResources(resources: unknown, path: string): FieldError[] {
  const r = asMap(resources);
  const limits = asMap(r.limits);
  const requests = asMap(r.requests);
  const errs: FieldError[] = [];
  for (const [name, q] of Object.entries(limits)) {
    const p = key(`${path}.limits`, name);
    errs.push(...validateResourceName(name, p));
    if (quantityValue(q) < 0) errs.push(invalid(p, quantityText(q), "must be greater than or equal to 0"));
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = key(`${path}.requests`, name);
    errs.push(...validateResourceName(name, p));
    if (quantityValue(q) < 0) errs.push(invalid(p, quantityText(q), "must be greater than or equal to 0"));
    if (Object.hasOwn(limits, name)) {
      const req = quantityValue(q);
      const lim = quantityValue(limits[name]);
      if (req !== lim && !overcommitAllowed(name))
        errs.push(
          invalid(
            `${path}.requests`,
            quantityText(q),
            `must be equal to ${name} limit of ${quantityText(limits[name])}`,
          ),
        );
      else if (req > lim)
        errs.push(
          invalid(
            `${path}.requests`,
            quantityText(q),
            `must be less than or equal to ${name} limit of ${quantityText(limits[name])}`,
          ),
        );
    } else if (!overcommitAllowed(name)) {
      errs.push(required(`${path}.limits`, "Limit must be set for non overcommitable resources"));
    }
  }
  return errs;
}

function validateSecurityContext(sc: unknown, path: string): FieldError[] {
  const s = asMap(sc);
  const errs: FieldError[] = [];
  for (const f of ["runAsUser", "runAsGroup"]) {
    const v = s[f];
    if (typeof v === "number" && (v < 0 || v > 0xffffffff))
      errs.push(invalid(`${path}.${f}`, v, "must be between 0 and 4294967295, inclusive"));
  }
  if (s.allowPrivilegeEscalation === false && s.privileged === true)
    errs.push(invalid(path, s, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"));
  return errs;
}

const terminationMessagePolicies = ["File", "FallbackToLogsOnError"];
const pullPolicies = ["Always", "IfNotPresent", "Never"];

function validateContainerCommon(c: Record<string, any>, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(required(`${path}.name`, ""));
  else errs.push(...dnsLabel(name, `${path}.name`));
  if (!str(c.image)) errs.push(required(`${path}.image`, ""));
  const tmp = str(c.terminationMessagePolicy);
  if (!tmp) errs.push(required(`${path}.terminationMessagePolicy`, ""));
  else if (!terminationMessagePolicies.includes(tmp))
    errs.push(notSupported(`${path}.terminationMessagePolicy`, tmp, terminationMessagePolicies));
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  const pull = str(c.imagePullPolicy);
  if (!pull) errs.push(required(`${path}.imagePullPolicy`, ""));
  else if (!pullPolicies.includes(pull))
    errs.push(notSupported(`${path}.imagePullPolicy`, pull, pullPolicies));
  errs.push(...validateResources(c.resources, `${path}.resources`));
  errs.push(...validateSecurityContext(c.securityContext, `${path}.securityContext`));
  return errs;
}

function hostPortConflicts(containers: any[], path: string): FieldError[] {
  const seen = new Set<string>();
  const errs: FieldError[] = [];
  containers.forEach((c, ci) => {
    asArray(asMap(c).ports).forEach((port, pi) => {
      const p = asMap(port);
      if (!p.hostPort) return;
      const k = `${str(p.protocol)}/${str(p.hostIP)}/${p.hostPort}`;
      if (seen.has(k)) errs.push(duplicate(`${idx(`${idx(path, ci)}.ports`, pi)}.hostPort`, k));
      else seen.add(k);
    });
  });
  return errs;
}

export function validateContainers(
  containers: unknown,
  volumes: Set<string>,
  gracePeriod: number | undefined,
  path: string,
): FieldError[] {
  const list = asArray(containers);
  if (list.length === 0) return [required(path, "")];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((ctr, i) => {
    const c = asMap(ctr);
    const p = idx(path, i);
    errs.push(...validateContainerCommon(c, volumes, p));
    if (names.has(str(c.name))) errs.push(duplicate(`${p}.name`, str(c.name)));
    else names.add(str(c.name));
    if (isObject(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, gracePeriod, `${p}.lifecycle`));
    for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"] as const)
      errs.push(...validateContainerProbe(kind, c[kind], gracePeriod, `${p}.${kind}`));
    if (c.restartPolicy != null)
      errs.push(forbidden(`${p}.restartPolicy`, "may not be set for non-init containers"));
  });
  errs.push(...hostPortConflicts(list, path));
  return errs;
}

export function validateInitContainers(
  initContainers: unknown,
  containers: unknown,
  volumes: Set<string>,
  gracePeriod: number | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(asArray(containers).map((c) => str(asMap(c).name)));
  asArray(initContainers).forEach((ctr, i) => {
    const c = asMap(ctr);
    const p = idx(path, i);
    errs.push(...validateContainerCommon(c, volumes, p));
    let restartAlways = false;
    if (c.restartPolicy != null) {
      if (c.restartPolicy !== "Always")
        errs.push(notSupported(`${p}.restartPolicy`, c.restartPolicy, ["Always"]));
      restartAlways = c.restartPolicy === "Always";
    }
    if (names.has(str(c.name))) errs.push(duplicate(`${p}.name`, str(c.name)));
    else if (str(c.name)) names.add(str(c.name));
    errs.push(...hostPortConflicts([c], path));
    if (restartAlways) {
      if (isObject(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, gracePeriod, `${p}.lifecycle`));
      for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"] as const)
        errs.push(...validateContainerProbe(kind, c[kind], gracePeriod, `${p}.${kind}`));
    } else {
      for (const f of ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"])
        if (c[f] != null)
          errs.push(
            forbidden(`${p}.${f}`, "may not be set for init containers without restartPolicy=Always"),
          );
    }
  });
  return errs;
}
