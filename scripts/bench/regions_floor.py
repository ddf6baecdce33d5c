"""Helpers of scripts/bench-regions (plain Python 3, no dependencies).

  regions_floor.py counts LOG FROM TO
      Per-action request counts (JSON) from moto's `ACTION service:Action` lines (written by
      scripts/bench/moto_actions.py) between log lines FROM and TO.

  regions_floor.py floor POLICY.json COUNTS.json REGIONS ACCOUNTS MEMBERS BUCKETS KEYS CMKS [SEED.json]
      The request floor of one `cisrun audit` beside what it sent, one Markdown row per
      action: POLICY.json is `cisrun permissions --profile ...` (the actions the profile's
      controls declare), COUNTS.json the measured counts; REGIONS regions per account,
      ACCOUNTS audited accounts (MEMBERS of them reached through sts:AssumeRole), and over
      all accounts BUCKETS buckets, KEYS KMS keys of which CMKS customer-managed; SEED.json
      (seed_regions.py's output) gives the counts of the logging and network resources
      below (its "inventory"); without it they are 0 (the organization's empty accounts).

The floor is what any auditor of the same controls must send: one call per run to learn who
it is (sts:GetCallerIdentity); per account one ec2:DescribeRegions and each account-wide
read once (IAM, account, s3:ListBuckets, the account's S3 Block Public Access); per region
one call of each regional kind the controls read (a page each: moto never pages these small
lists); per bucket one call of each bucket setting read; per KMS key one kms:DescribeKey (to
tell customer-managed keys) and per customer-managed key one kms:GetKeyRotationStatus; per
member account one sts:AssumeRole; with an organization, one organizations:ListAccounts per
100 accounts. Logging and networking: per trail one cloudtrail:GetTrailStatus and one
cloudtrail:GetEventSelectors (in its home region: a multi-region trail once, not once per
region that lists it); per trail bucket one s3:GetBucketLogging; per log group that a
compliant trail (multi-region, logging, all management events) delivers to one
logs:DescribeMetricFilters; per region holding such a log group one
cloudwatch:DescribeAlarms; per SNS topic that an alarm on one of those filters notifies
one sns:ListSubscriptionsByTopic; per prefix list that an admin-port rule references one
ec2:GetManagedPrefixListEntries; ec2:DescribeRouteTables in each region with a peering
connection (the routes to review for the peering recommendation) or a public DB instance
in a subnet group.
"""
import collections
import json
import re
import sys

# cisrun's permission -> (moto's operation name as moto_actions.py logs it, unit).
RENAMED = {
    "s3:ListAllMyBuckets": "s3:ListBuckets",
    "s3:GetBucketPublicAccessBlock": "s3:GetPublicAccessBlock",
    "s3:GetEncryptionConfiguration": "s3:GetBucketEncryption",
    "s3:GetAccountPublicAccessBlock": "s3control:GetPublicAccessBlock",
    "elasticfilesystem:DescribeFileSystems": "efs:DescribeFileSystems",
    "access-analyzer:ListAnalyzers": "accessanalyzer:ListAnalyzers",
}
PER_REGION = {
    "ec2:GetEbsEncryptionByDefault", "ec2:DescribeInstances", "efs:DescribeFileSystems",
    "rds:DescribeDBInstances", "rds:DescribeDBClusters", "kms:ListKeys",
    "config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus",
    "securityhub:DescribeHub", "accessanalyzer:ListAnalyzers",
    "cloudtrail:DescribeTrails", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeNetworkAcls", "ec2:DescribeFlowLogs", "ec2:DescribeVpcs",
    "ec2:DescribeVpcPeeringConnections", "ec2:DescribeVpcEndpoints",
}
# action -> (inventory key of seed_regions.py, what one unit is)
PER_RESOURCE = {
    "cloudtrail:GetTrailStatus": ("trails", "trail, in its home region"),
    "cloudtrail:GetEventSelectors": ("trails", "trail, in its home region"),
    "s3:GetBucketLogging": ("trail_buckets", "trail bucket"),
    "logs:DescribeMetricFilters": ("monitored_log_groups", "log group of a compliant trail"),
    "cloudwatch:DescribeAlarms": ("alarm_regions", "region with such a log group"),
    "sns:ListSubscriptionsByTopic": ("alarm_topics", "topic those alarms notify"),
    "ec2:GetManagedPrefixListEntries": ("prefix_lists", "prefix list an admin-port rule references"),
}
PER_BUCKET = {
    "s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:GetBucketVersioning",
    "s3:GetPublicAccessBlock", "s3:GetBucketEncryption",
}
PER_KEY = {"kms:DescribeKey"}
PER_CMK = {"kms:GetKeyRotationStatus"}


def counts(log, start, end):
    out = collections.Counter()
    with open(log, errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not start < n <= end:
                continue
            # moto's other stderr output (e.g. "Unable to find appropriate backend ...") can
            # run into an ACTION line from another thread: find them anywhere in the line.
            actions = re.findall(r"ACTION ([A-Za-z0-9-]+:\S+?)(?=ACTION |$|\s)", line)
            for action in actions:
                out[action] += 1
            # moto 5.2.5 has no Access Analyzer backend: no action line, only werkzeug's
            # request line (answered 500). ListAnalyzers is GET /analyzer.
            if not actions and 'GET /analyzer' in line and 'HTTP/1.1' in line:
                out["accessanalyzer:ListAnalyzers (moto: 500)"] += 1
    print(json.dumps(dict(sorted(out.items()))))


def policy_actions(policy):
    actions = set()
    for statement in json.load(open(policy)).get("Statement", []):
        if statement.get("Sid") == "CisrunAccount":
            actions.update(statement["Action"])
    return actions


def floor(policy, measured_path, regions, accounts, members, buckets, keys, cmks, seed=None):
    measured = json.load(open(measured_path))
    inventory = json.load(open(seed))["inventory"] if seed else {}
    rows = {}

    def add(action, n, how):
        rows[action] = (n, how)

    add("sts:GetCallerIdentity", 1, "1 per run")
    if members:
        add("sts:AssumeRole", members, "1 per member account")
        add("organizations:ListAccounts", (accounts + 99) // 100, "1 per 100 accounts (pages)")
    for permission in sorted(policy_actions(policy)):
        action = RENAMED.get(permission, permission)
        if permission == "ec2:DescribeRegions":
            add(action, accounts, "1 per account")
        elif action in PER_REGION:
            add(action, accounts * regions, f"1 per region × {regions} × {accounts} account(s)")
        elif action == "ec2:DescribeRouteTables":
            # The peering routes (regions with a peering connection), and regions with a
            # publicly accessible DB instance in a DB subnet group (moto gives the seed's
            # instances, created without one, no subnet group).
            n = inventory.get("peering_regions", 0)
            add(action, n, f"1 per region with a peering connection ({n}) or a public DB "
                "instance in a subnet group (none here)")
        elif action in PER_RESOURCE:
            key, unit = PER_RESOURCE[action]
            n = inventory.get(key, 0)
            add(action, n, f"1 per {unit} ({n})")
        elif action in PER_BUCKET:
            add(action, buckets, f"1 per bucket ({buckets})")
        elif action in PER_KEY:
            add(action, keys, f"1 per KMS key ({keys})")
        elif action in PER_CMK:
            add(action, cmks, f"1 per customer-managed key ({cmks})")
        else:
            add(action, accounts, "1 per account")
    print("| action | sent | floor | floor counted as | |")
    print("|---|---:|---:|---|---|")
    total_sent = total_floor = 0
    for action in sorted(set(rows) | set(measured)):
        if action.endswith(" (moto: 500)"):
            continue
        n, how = rows.get(action, (0, "not declared by the profile's controls"))
        sent = measured.get(action, 0) + measured.get(action + " (moto: 500)", 0)
        if action + " (moto: 500)" in measured:
            how += "; moto has no backend and answers 500, which the SDK retries"
        total_sent += sent
        total_floor += n
        mark = "" if sent == n else ("**above**" if sent > n else "below")
        print(f"| `{action}` | {sent} | {n} | {how} | {mark} |")
    print(f"| **total** | **{total_sent}** | **{total_floor}** | | |")


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "counts":
        counts(args[0], int(args[1]), int(args[2]))
    elif cmd == "floor":
        floor(args[0], args[1], *map(int, args[2:8]), *args[8:9])
    else:
        sys.exit(f"unknown command {cmd}")
