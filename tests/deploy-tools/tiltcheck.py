#!/usr/bin/env python3
"""Checks a Tiltfile where Tilt cannot run: executes it (Starlark is a subset of Python's syntax)
with stand-ins for the Tilt builtins it uses, where helm() renders the real chart with the real
helm, then checks what it declared:
  - every image it builds is an image of a rendered workload, built from an existing Dockerfile
    with build arguments that Dockerfile declares, and live-updated from its build context;
  - every k8s_resource names a rendered workload, every port forward targets a container port of
    it, every resource_deps names a declared resource;
  - local_resource commands and watched paths exist; no helm test pod is applied.
Usage: tiltcheck.py TILTFILE HELM. Prints a summary; exits 1 listing the problems."""
import json, os, re, subprocess, sys

tiltfile = os.path.abspath(sys.argv[1])
helm_bin = sys.argv[2]
here = os.path.dirname(tiltfile)
problems, images, resources, local_resources, applied = [], [], [], {}, []


class Blob(str):
    pass


def docs(blob):
    out = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "tojson.mjs"), "/dev/stdin"],
                         input=str(blob), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def to_yaml(objects):
    return Blob("\n---\n".join(json.dumps(o) for o in objects))


class _Path:
    def abspath(self, p): return os.path.normpath(os.path.join(here, p))
    def join(self, *p): return os.path.join(*p)
    def exists(self, p): return os.path.exists(self.abspath(p))
    def dirname(self, p): return os.path.dirname(p)
    def basename(self, p): return os.path.basename(p)


class _Os:
    path = _Path()
    def getenv(self, k, default=None): return os.environ.get(k, default)


class _Config:
    def __init__(self): self.defined = set()
    def define_string(self, name, args=False, usage=""): self.defined.add(name)
    def define_bool(self, name, args=False, usage=""): self.defined.add(name)
    def parse(self): return {}


def load(path, *names):
    if path != "ext://restart_process" or list(names) != ["docker_build_with_restart"]:
        problems.append(f"load({path!r}, {names}) is not a known extension here")
    g["docker_build_with_restart"] = docker_build_with_restart


def docker_build_with_restart(ref, context, entrypoint, dockerfile="Dockerfile", build_args=None, live_update=None, **kw):
    images.append(dict(ref=ref, context=context, dockerfile=dockerfile, build_args=build_args or {},
                       entrypoint=entrypoint, live_update=live_update or []))


def docker_build(ref, context, dockerfile="Dockerfile", build_args=None, live_update=None, **kw):
    docker_build_with_restart(ref, context, None, dockerfile, build_args, live_update)


def sync(src, dest): return ("sync", src, dest)
def run(cmd, trigger=None): return ("run", cmd, trigger)
def port_forward(local_port, container_port=None, name=None, **kw): return dict(local=local_port, container=container_port, name=name)


def local_resource(name, cmd=None, deps=None, dir=None, ignore=None, labels=None, **kw):
    local_resources[name] = dict(cmd=cmd, deps=deps or [], dir=dir or here)


def helm(path, name=None, namespace=None, values=None, set=None, **kw):
    args = [helm_bin, "template", name or "chart", path]
    for v in values or []:
        args += ["-f", v]
    for s in set or []:
        args += ["--set", s]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        problems.append("helm template failed: " + r.stderr)
        return Blob("")
    return Blob(r.stdout)


def filter_yaml(blob, kind=None, name=None, **kw):
    matching, rest = [], []
    for o in docs(blob):
        hit = (kind is None or o.get("kind") == kind) and (name is None or o.get("metadata", {}).get("name") == name)
        (matching if hit else rest).append(o)
    return to_yaml(matching), to_yaml(rest)


def k8s_yaml(blob): applied.extend(docs(blob))
def k8s_resource(workload=None, port_forwards=None, resource_deps=None, labels=None, **kw):
    resources.append(dict(workload=workload, port_forwards=port_forwards or [], deps=resource_deps or []))


config = _Config()
g = dict(load=load, docker_build=docker_build, sync=sync, run=run, port_forward=port_forward, local_resource=local_resource,
         helm=helm, filter_yaml=filter_yaml, k8s_yaml=k8s_yaml, k8s_resource=k8s_resource, config=config, os=_Os())
source = open(tiltfile).read()
try:
    exec(compile(source, tiltfile, "exec"), g)
except Exception as e:  # a builtin we do not stand in for, a wrong argument, a syntax error
    problems.append(f"the Tiltfile does not run: {type(e).__name__}: {e}")

workloads = {o["metadata"]["name"]: o for o in applied if o.get("kind") in ("Deployment", "StatefulSet")}
pod_images = {c["image"].split(":")[0]: name for name, o in workloads.items() for c in o["spec"]["template"]["spec"]["containers"]}
for o in applied:
    if o.get("kind") == "Pod" and "helm.sh/hook" in o.get("metadata", {}).get("annotations", {}):
        problems.append(f"the helm test pod {o['metadata']['name']} is applied as a workload")
for image in images:
    ref = image["ref"]
    if ref not in pod_images:
        problems.append(f"image {ref} is built but no rendered workload runs it")
    if not os.path.isfile(image["dockerfile"]):
        problems.append(f"{ref}: Dockerfile {image['dockerfile']} does not exist")
    else:
        declared = set(re.findall(r"^ARG\s+([A-Za-z_]+)", open(image["dockerfile"]).read(), re.M))
        for arg in image["build_args"]:
            if arg not in declared:
                problems.append(f"{ref}: build argument {arg} is not declared in {image['dockerfile']}")
    syncs = [u for u in image["live_update"] if u[0] == "sync"]
    if not syncs:
        problems.append(f"{ref}: no live update")
    for _, src, dest in syncs:
        if os.path.normpath(src) != os.path.normpath(image["context"]):
            problems.append(f"{ref}: live update syncs {src}, not its build context {image['context']}")
declared = set(local_resources) | {r["workload"] for r in resources}
for r in resources:
    workload = workloads.get(r["workload"])
    if workload is None:
        problems.append(f"k8s_resource {r['workload']!r} names no rendered workload ({', '.join(sorted(workloads))})")
        continue
    ports = {p["containerPort"] for c in workload["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
    for f in r["port_forwards"]:
        if f["container"] not in ports:
            problems.append(f"{r['workload']}: port forward to {f['container']}, which no container opens ({sorted(ports)})")
    for dep in r["deps"]:
        if dep not in declared:
            problems.append(f"{r['workload']}: resource_deps names unknown resource {dep!r}")
for name, l in local_resources.items():
    script = l["cmd"].split()[0]
    if not os.path.exists(os.path.join(l["dir"], script)):
        problems.append(f"local_resource {name}: {script} does not exist")
    for dep in l["deps"]:
        if not os.path.exists(dep):
            problems.append(f"local_resource {name}: watched path {dep} does not exist")

print(json.dumps(dict(images=[i["ref"] for i in images], resources=[r["workload"] for r in resources],
                      local_resources=sorted(local_resources), port_forwards={r["workload"]: [f["local"] for f in r["port_forwards"]] for r in resources},
                      problems=problems), indent=2))
sys.exit(1 if problems else 0)
