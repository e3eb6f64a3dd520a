# Attribute JFR execution samples (jfr print output) to the per-byte harness's roles by their stack frames:
# usage: per-byte-cost-profile-roles.py SAMPLES.txt [TOP]. Frames below the role dispatch (the replication frame's
# MAC check, pretouching, membership) and the harness's own (the client, Random) are shown apart.
import re, sys, collections
text = open(sys.argv[1]).read()
samples = text.split("jdk.ExecutionSample {")[1:]
roles = collections.Counter(); selfs = collections.defaultdict(collections.Counter)
def role(frames):
    joined = "\n".join(frames)
    if "InProcessCluster$Client" in joined or "PerByteCost.run" not in joined and "CostRig" not in joined: 
        if "InProcessCluster$Client" in joined: return "client"
        if "CostRig" not in joined and "InProcessCluster" not in joined: return "other-thread"
    for f in frames:  # top first
        pass
    # scan from the bottom (outermost) for the first role frame below ClusterNode.doWork
    for f in reversed(frames):
        if "LoggerAgent" in f or "LogFeed" in f: return "logger"
        if "BackupFollower" in f: return "backup"
        if "PrimaryReplication" in f or "LogPublisher" in f or "TcpStack" in f or "TcpConnection" in f: return "primary"
        if "StackAgent" in f: return "engine"
    if "FrameAuthenticator.verify" in joined: return "verify(any role)"
    if "ReplicationLog.pretouch" in joined or "LogPretoucher" in joined: return "pretouch(any role)"
    if "Membership" in joined: return "membership(any role)"
    return "node(other)"
for s in samples:
    m = re.search(r"stackTrace = \[(.*?)\n\s*\]", s, re.S)
    if not m: continue
    frames = [l.strip() for l in m.group(1).split("\n") if l.strip() and not l.strip().startswith("...")]
    if not frames: continue
    r = role(frames)
    roles[r] += 1
    top = re.sub(r"\s+line:.*", "", frames[0])
    selfs[r][top] += 1
total = sum(roles.values())
print("samples", total)
for r, n in roles.most_common():
    print(f"\n## {r}: {n} samples ({100*n/total:.1f}%)")
    for f, k in selfs[r].most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 12):
        print(f"  {100*k/n:5.1f}%  {f}")
