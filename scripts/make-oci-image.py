#!/usr/bin/env python3
"""Writes a tiny OCI image layout without Docker, for image-transfer tests.

usage: make-oci-image.py DIR SEED
Tags in DIR: "v1" (one linux/amd64 image) and "multi" (an index of linux/amd64 + linux/arm64).
SEED makes the layer contents (and so the digests) differ between calls.
"""
import gzip, hashlib, io, json, os, sys, tarfile

def blob(root, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(root, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}

def layer(root, text):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        content = text.encode()
        info = tarfile.TarInfo("hello.txt"); info.size = len(content); info.mtime = 0
        tar.addfile(info, io.BytesIO(content))
    uncompressed = raw.getvalue()
    compressed = gzip.compress(uncompressed, mtime=0)
    desc = blob(root, compressed)
    desc["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    return desc, "sha256:" + hashlib.sha256(uncompressed).hexdigest()

def image(root, seed, arch):
    lay, diff_id = layer(root, f"seed {seed} arch {arch}\n")
    config = json.dumps({"architecture": arch, "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}, sort_keys=True).encode()
    cfg = blob(root, config); cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": cfg, "layers": [lay]}, sort_keys=True).encode()
    m = blob(root, manifest); m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    return m

def main():
    root, seed = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    single = image(root, seed, "amd64")
    platforms = []
    for arch in ("amd64", "arm64"):
        m = image(root, seed + "-multi", arch)
        m["platform"] = {"architecture": arch, "os": "linux"}
        platforms.append(m)
    index_blob = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                             "manifests": platforms}, sort_keys=True).encode()
    multi = blob(root, index_blob); multi["mediaType"] = "application/vnd.oci.image.index.v1+json"
    single["annotations"] = {"org.opencontainers.image.ref.name": "v1"}
    multi["annotations"] = {"org.opencontainers.image.ref.name": "multi"}
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [single, multi]}, f)

main()
