#!/usr/bin/env python3
# Regenerates the test manifests of this directory (run from here): the seed's objects
# verbatim, its secrets from ../pullsecrets, and the bad inputs.
import base64, json, subprocess
pull=json.load(open("../pullsecrets/pull-secret.json"))
push=json.load(open("../pullsecrets/push-secret.json"))
# what the seed does: jq -s '.[0] * .[1]' pull-secret.json push-secret.json
merged=json.loads(subprocess.check_output(["jq","-s",".[0] * .[1]","../pullsecrets/pull-secret.json","../pullsecrets/push-secret.json"]))
def secret(name, cfg, typ="kubernetes.io/dockerconfigjson", key=".dockerconfigjson", ns="openshift-machine-config-operator"):
    return f"""apiVersion: v1
kind: Secret
metadata:
  name: {name}
  namespace: {ns}
type: {typ}
data:
  {key}: {base64.b64encode(json.dumps(cfg).encode()).decode()}
"""
mosc='''apiVersion: machineconfiguration.openshift.io/v1
kind: MachineOSConfig
metadata:
  name: worker-automount
spec:
  machineConfigPool:
    name: worker-automount
  containerFile: 
  - content: |-
      FROM configs AS final
      RUN dnf install -y \\
        autofs \\
        libsss_autofs \\
        openldap-clients \\
        && dnf clean all \\
        && ostree container commit
  imageBuilder: 
    imageBuilderType: Job
  baseImagePullSecret: 
    # baseImagePullSecret is the secret used to pull the base image
    name: pull-and-push-secret
  renderedImagePushSecret: 
    # renderedImagePushSecret is the secret used to push the custom image
    name: push-secret
  renderedImagePushSpec: image-registry.openshift-image-registry.svc:5000/openshift-machine-config-operator/os-image:latest 
'''
mcp='''apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfigPool
metadata:
  annotation:
    description: Worker nodes with automount enabled
  labels:
    pools.operator.machineconfiguration.openshift.io/worker-automount: ""
  name: worker-automount
spec:
  machineConfigSelector:
    matchExpressions:
      - key: machineconfiguration.openshift.io/role
        operator: In
        values:
          - worker
          - worker-automount
  nodeSelector:
    matchLabels:
      node-role.kubernetes.io/worker-automount: ""
  paused: true
'''
content_old='''  - content: |-
      FROM configs AS final
      RUN dnf install -y \\
        autofs \\
        libsss_autofs \\
        openldap-clients \\
        && dnf clean all \\
        && ostree container commit'''
assert content_old in mosc
open("seed-machineosconfig.yaml","w").write("# The MachineOSConfig of the seed article, verbatim.\n"+mosc)
open("seed-machineconfigpool.yaml","w").write("# The MachineConfigPool of the seed article, verbatim (note its `annotation:` typo).\n"+mcp)
open("seed-secrets.yaml","w").write("# push-secret and the jq-merged pull-and-push-secret of the seed, with fake credentials\n# from testdata/pullsecrets.\n"+secret("push-secret",push)+"---\n"+secret("pull-and-push-secret",merged))
big = "FROM configs AS final\n" + "RUN echo " + "x"*4980
assert len(big) > 4096
open("bad-content-too-long.yaml","w").write("# A 5000-character Containerfile: over the CRD's 4096 limit.\n"+mosc.replace(content_old, "  - content: |-\n" + "\n".join("      "+l for l in big.split("\n"))))
open("bad-unknown-kind.yaml","w").write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: machine-config-osimageurl\ndata:\n  baseOSContainerImage: quay.io/x/y@sha256:00\n")
open("bad-malformed.yaml","w").write("apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineOSConfig\nmetadata:\n  name: worker\n spec:\n  machineConfigPool: {name: worker\n")
open("bad-secret-type.yaml","w").write(secret("push-secret", push, typ="Opaque", key="token"))
open("bad-secret-auth.yaml","w").write(secret("push-secret", {"auths":{"quay.io":{"auth":"not*base64!"}}}))
arch=mosc.replace("  - content: |-","  - containerfileArch: AMD64\n    content: |-")
open("arch-only.yaml","w").write("# Only an AMD64 entry: 4.19 builds NoArch only (OCL302).\n"+arch)
wrongsel=mcp.replace("          - worker\n          - worker-automount\n","          - worker\n").replace("  annotation:\n","  annotations:\n")
open("pool-wrong-selector.yaml","w").write("# A pool that does not select MachineConfigs of its own role (OCL307).\n"+wrongsel)
nowork=mcp.replace("          - worker\n          - worker-automount\n","          - worker-automount\n").replace("  annotation:\n","  annotations:\n")
open("pool-without-worker.yaml","w").write("# A custom pool that does not take the worker role's MachineConfigs (OCL307 warning).\n"+nowork)
