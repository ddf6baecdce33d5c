"""Seeds ONE moto account with resources in every region given, for scripts/bench-regions.

Usage: seed_regions.py ENDPOINT REGION [REGION ...]  -> prints what it made as JSON on stdout.

Per region i (0-based, in the order given), through boto3 with one thread per region:

* EBS encryption by default: on where i % 3 != 2 (two regions in three);
* KMS: two customer-managed symmetric keys, rotation on for the first, off for the second;
* RDS: one db.t3.micro MySQL instance, encrypted where i is even, public where i % 4 == 3,
  Multi-AZ where i % 5 == 0, auto minor version upgrade off where i % 6 == 5;
* EFS: one file system, encrypted where i is odd;
* EC2: two instances (the region's first AMI moto knows): the first with an instance profile
  and IMDSv2 required, the second with neither (IMDSv1 allowed, no role);
* S3: one bucket created in the region (LocationConstraint; none in us-east-1), with a
  deny-HTTP bucket policy where i is even, bucket Block Public Access where i % 3 == 0;
* AWS Config: a recorder (all resources, global types in us-east-1 only) started where
  i % 2 == 0;
* Security Hub: enabled where i % 3 == 0.
* Networking (seeded before the instances): a second VPC (10.1.0.0/16) where i % 3 == 0;
  where i is even, every default security group emptied and every default network ACL's
  inbound ALLOW from 0.0.0.0/0 and ::/0 deleted (elsewhere moto's defaults stay: default
  groups with rules, default ACLs allowing everything); in the default VPC a group `web`
  (tcp 443 from 0.0.0.0/0) and, by i % 4, one admin-port group: 0 `ssh-open` tcp 22 from
  0.0.0.0/0, 1 `rdp-v6` tcp 3389 from ::/0, 2 `rdp-udp` udp 3389 from 0.0.0.0/0, 3
  `admin-range` tcp 20-25 from 0.0.0.0/0, attached to the region's second instance (the
  others are attached to nothing); `cifs-open` tcp 445 from 0.0.0.0/0 where i % 5 == 0;
  in region 0 a customer-managed prefix list holding 0.0.0.0/0 and a group `via-prefix-list`
  allowing tcp 3389 from it; a new network ACL in the default VPC where i % 4 == 0 (rule 100
  ALLOW tcp 22 from 0.0.0.0/0) or i % 4 == 2 (rule 90 DENY tcp 3389 from 0.0.0.0/0 shadowing
  rule 100 ALLOW tcp 3389 from 0.0.0.0/0); a REJECT flow log on the default VPC where i is
  even (so the second VPCs have none); in region 0 a peering connection between its two
  VPCs with a route to 10.1.0.0/16 in the default VPC's main route table, and an S3
  gateway endpoint.

Account-wide (seed_logging, before the regions): the CloudTrail trails, their buckets and
the monitoring chain, as the LOGGING dict at the end of this script says; and
the account's S3 Block Public Access (all four on), an IAM role + instance
profile for the instances, a password policy, three IAM users (see below), and the credential report generated until
COMPLETE (the warm-up; see scripts/bench-regions). The first call (iam:ListRoles) builds
the account's IAM state.
"""
import json
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

ENDPOINT, REGIONS = sys.argv[1], sys.argv[2:]
ACCOUNT = "123456789012"
CRED = dict(endpoint_url=ENDPOINT, aws_access_key_id="testing", aws_secret_access_key="testing")
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def client(service, region="us-east-1"):
    config = Config(s3={"addressing_style": "path"})
    return boto3.client(service, region_name=region, config=config, **CRED)


iam = client("iam")
iam.list_roles()  # builds the account's IAM state (every AWS managed policy with MOTO_IAM_LOAD_MANAGED_POLICIES)
iam.create_role(RoleName="bench-ec2", AssumeRolePolicyDocument=TRUST)
profile = iam.create_instance_profile(InstanceProfileName="bench-ec2")["InstanceProfile"]
iam.add_role_to_instance_profile(InstanceProfileName="bench-ec2", RoleName="bench-ec2")
iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
# A few IAM users, so that the IAM section has something to judge: alice (console password,
# in group Developers with ReadOnlyAccess), bob (an active access key, ReadOnlyAccess attached
# directly: 1.15 fails), carol (console password, no MFA: 1.10 fails).
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
iam.create_group(GroupName="Developers")
iam.attach_group_policy(GroupName="Developers", PolicyArn=READ_ONLY)
for user in ("alice", "bob", "carol"):
    iam.create_user(UserName=user)
iam.add_user_to_group(GroupName="Developers", UserName="alice")
iam.create_login_profile(UserName="alice", Password="Bench-password-1")
iam.create_access_key(UserName="bob")
iam.attach_user_policy(UserName="bob", PolicyArn=READ_ONLY)
iam.create_login_profile(UserName="carol", Password="Bench-password-1")
s3control = client("s3control")
s3control.meta.events.register("before-send", lambda request, **_: setattr(
    request, "url", request.url.replace(f"//{ACCOUNT}.", "//")))
s3control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True})


def deny_http(bucket):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def ingress(ec2, group, protocol, ports, cidr=None, prefix_list=None):
    permission = {"IpProtocol": protocol, "FromPort": ports[0], "ToPort": ports[1]}
    if prefix_list:
        permission["PrefixListIds"] = [{"PrefixListId": prefix_list}]
    elif ":" in cidr:
        permission["Ipv6Ranges"] = [{"CidrIpv6": cidr}]
    else:
        permission["IpRanges"] = [{"CidrIp": cidr}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])


def acl_entry(ec2, acl, number, allow, protocol, ports, cidr):
    ec2.create_network_acl_entry(
        NetworkAclId=acl, RuleNumber=number, RuleAction="allow" if allow else "deny",
        Egress=False, Protocol=protocol, PortRange={"From": ports[0], "To": ports[1]},
        CidrBlock=cidr)


def restrict_defaults(ec2):
    """Empties every default security group and deletes every default network ACL's inbound
    ALLOW from everywhere (as tests/src/lib.rs network_seed::restrict_defaults does)."""
    for group in ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]:
        rules = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [group["GroupId"]]}])["SecurityGroupRules"]
        for egress in (False, True):
            ids = [r["SecurityGroupRuleId"] for r in rules if r["IsEgress"] == egress]
            if ids and egress:
                ec2.revoke_security_group_egress(GroupId=group["GroupId"], SecurityGroupRuleIds=ids)
            elif ids:
                ec2.revoke_security_group_ingress(GroupId=group["GroupId"], SecurityGroupRuleIds=ids)
    for acl in ec2.describe_network_acls(
            Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"]:
        for entry in acl["Entries"]:
            if (not entry["Egress"] and entry["RuleAction"] == "allow"
                    and (entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")) in ("0.0.0.0/0", "::/0")):
                ec2.delete_network_acl_entry(NetworkAclId=acl["NetworkAclId"],
                                             RuleNumber=entry["RuleNumber"], Egress=False)


def seed_network(i, region, ec2):
    made = {}
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    second = None
    if i % 3 == 0:
        second = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    made["vpcs"] = 2 if second else 1
    if i % 2 == 0:
        restrict_defaults(ec2)
    made["defaults_restricted"] = i % 2 == 0

    def group(name):
        return ec2.create_security_group(GroupName=name, Description="bench", VpcId=vpc)["GroupId"]

    ingress(ec2, group("web"), "tcp", (443, 443), "0.0.0.0/0")
    name, protocol, ports, cidr = [
        ("ssh-open", "tcp", (22, 22), "0.0.0.0/0"), ("rdp-v6", "tcp", (3389, 3389), "::/0"),
        ("rdp-udp", "udp", (3389, 3389), "0.0.0.0/0"), ("admin-range", "tcp", (20, 25), "0.0.0.0/0"),
    ][i % 4]
    made["attach"] = group(name)
    ingress(ec2, made["attach"], protocol, ports, cidr)
    made["admin_group"] = name
    if i % 5 == 0:
        ingress(ec2, group("cifs-open"), "tcp", (445, 445), "0.0.0.0/0")
    made["cifs_open"] = i % 5 == 0
    if i == 0:
        prefix_list = ec2.create_managed_prefix_list(
            PrefixListName="everywhere", MaxEntries=5, AddressFamily="IPv4",
            Entries=[{"Cidr": "0.0.0.0/0", "Description": "everywhere"}])["PrefixList"]["PrefixListId"]
        ingress(ec2, group("via-prefix-list"), "tcp", (3389, 3389), prefix_list=prefix_list)
        made["prefix_list_group"] = True
    if i % 4 == 0:
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        acl_entry(ec2, acl, 100, True, "6", (22, 22), "0.0.0.0/0")
        made["acl"] = "rule 100 ALLOW tcp 22 from 0.0.0.0/0"
    elif i % 4 == 2:
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        acl_entry(ec2, acl, 90, False, "6", (3389, 3389), "0.0.0.0/0")
        acl_entry(ec2, acl, 100, True, "6", (3389, 3389), "0.0.0.0/0")
        made["acl"] = "rule 90 DENY tcp 3389 shadows rule 100 ALLOW tcp 3389, from 0.0.0.0/0"
    if i % 2 == 0:
        ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc], TrafficType="REJECT",
                             LogDestinationType="cloud-watch-logs", LogGroupName="flow-logs",
                             DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flow-logs")
    made["flow_log_on_default_vpc"] = i % 2 == 0
    if i == 0 and second:
        peering = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=second)[
            "VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering)
        main = ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]["RouteTableId"]
        ec2.create_route(RouteTableId=main, DestinationCidrBlock="10.1.0.0/16",
                         VpcPeeringConnectionId=peering)
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{region}.s3",
                                VpcEndpointType="Gateway", RouteTableIds=[main])
        made["peering"] = made["s3_endpoint"] = True
    return made


IMAGES = threading.Lock()


def seed(index_region):
    i, region = index_region
    made = {"region": region}
    ec2 = client("ec2", region)
    if i % 3 != 2:
        ec2.enable_ebs_encryption_by_default()
    made["ebs_default"] = i % 3 != 2

    kms = client("kms", region)
    keys = []
    for rotate in (True, False):
        key = kms.create_key(Description=f"bench {region} rotate={rotate}")["KeyMetadata"]["KeyId"]
        if rotate:
            kms.enable_key_rotation(KeyId=key)
        keys.append({"key": key, "rotation": rotate})
    made["kms_keys"] = keys

    rds = client("rds", region)
    rds.create_db_instance(
        DBInstanceIdentifier=f"bench-{region}", DBInstanceClass="db.t3.micro", Engine="mysql",
        AllocatedStorage=20, MasterUsername="admin", MasterUserPassword="bench-password-1",
        StorageEncrypted=i % 2 == 0, PubliclyAccessible=i % 4 == 3, MultiAZ=i % 5 == 0,
        AutoMinorVersionUpgrade=i % 6 != 5)
    made["rds"] = {"encrypted": i % 2 == 0, "public": i % 4 == 3, "multi_az": i % 5 == 0,
                   "auto_minor": i % 6 != 5}

    efs = client("efs", region)
    efs.create_file_system(CreationToken=f"bench-{region}", Encrypted=i % 2 == 1)
    made["efs_encrypted"] = i % 2 == 1

    network = seed_network(i, region, ec2)
    made["network"] = network

    with IMAGES:  # moto 5.2.5 builds its AMI table lazily; concurrent listings can race
        image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                      IamInstanceProfile={"Arn": profile["Arn"]},
                      MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"})
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                      SecurityGroupIds=[network.pop("attach")],
                      MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"})
    made["instances"] = 2

    s3 = client("s3", region)
    bucket = f"bench-{region}"
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    if i % 2 == 0:
        s3.put_bucket_policy(Bucket=bucket, Policy=deny_http(bucket))
    if i % 3 == 0:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
    made["bucket"] = {"name": bucket, "deny_http": i % 2 == 0, "bpa": i % 3 == 0}

    if i % 2 == 0:
        config = client("config", region)
        config.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
            "recordingGroup": {"allSupported": True,
                               "includeGlobalResourceTypes": region == "us-east-1"}})
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
        config.start_configuration_recorder(ConfigurationRecorderName="default")
    made["config_recorder"] = i % 2 == 0

    if i % 3 == 0:
        client("securityhub", region).enable_security_hub(EnableDefaultStandards=False)
    made["security_hub"] = i % 3 == 0
    return made


def cis_patterns(version):
    """control id -> (effective, published) pattern of `version` (the Standard variant), read
    from filter-pattern/src/cis.rs, cisrun's table of the benchmark's patterns."""
    src = open(os.path.join(os.path.dirname(__file__), "..", "..", "filter-pattern", "src",
                            "cis.rs")).read()
    out = {}
    for block in re.findall(r"CisPattern \{(.*?)\n    \}", src, re.S):
        if 'control_id: "' not in block or "Variant::Standard" not in block:
            continue
        versions = re.search(r"versions: &\[(.*?)\]", block).group(1)
        if f'"{version}"' not in versions:
            continue
        control = re.search(r'control_id: "([^"]+)"', block).group(1)
        published = re.search(r'published: r#"(.*?)"#', block, re.S).group(1)
        corrected = re.search(r'corrected: (?:Some\(r#"(.*?)"#\)|None)', block, re.S).group(1)
        out[control] = (corrected or published, published)
    return out


# What seed_logging makes, account-wide. Trails: `bench-main` (us-east-1, multi-region,
# logging, log file validation, a KMS key, advanced selectors: all management events and
# every S3 object event, delivering to log group `cloudtrail-events`), `bench-eu`
# (eu-west-1, single-region, logging, no validation, no KMS, basic selector WriteOnly with
# S3 objects of every bucket, delivering to log group `eu-trail-events`), `bench-ap`
# (ap-northeast-1, single-region, NOT logging, advanced selector S3 objects readOnly=true).
# Buckets: `bench-trail-logs` (us-east-1, server access logging on, the main trail's),
# `bench-trail-regional` (eu-west-1, no access logging, both single-region trails').
# Monitoring, by the 15 controls in benchmark order (v3.0.0 patterns), on `cloudtrail-events`:
# UNAUTHORIZED=complete seeds 4.1 with the corrected pattern instead of the published one.
MONITORING = {
    "aws-cloudwatch-unauthorized-api-calls": os.environ.get("UNAUTHORIZED", "published"),
    # published: the benchmark's v3.0.0 text, whose `||` exclusions match nearly every event
    "aws-cloudwatch-console-signin-without-mfa": "complete",
    "aws-cloudwatch-root-usage": "reordered",                 # same clauses, another order
    "aws-cloudwatch-iam-policy-changes": "complete",
    "aws-cloudwatch-cloudtrail-config-changes": "complete",
    "aws-cloudwatch-console-auth-failures": "alarm-without-actions",
    "aws-cloudwatch-cmk-disable-or-deletion": "filter-only",
    "aws-cloudwatch-s3-bucket-policy-changes": "complete",
    "aws-cloudwatch-config-changes": "topic-without-subscriber",
    "aws-cloudwatch-security-group-changes": "complete",
    "aws-cloudwatch-nacl-changes": "none",
    "aws-cloudwatch-network-gateway-changes": "complete",
    "aws-cloudwatch-route-table-changes": "none",
    "aws-cloudwatch-vpc-changes": "none",
    "aws-cloudwatch-organizations-changes": "single-region-trail-only",  # on eu-trail-events
}
# complete = filter + alarm notifying `security-alerts` (one e-mail subscriber);
# topic-without-subscriber = the alarm notifies `bench-unsubscribed` (no subscription).
ROOT_REORDERED = '{ $.eventType != "AwsServiceEvent" && $.userIdentity.invokedBy NOT EXISTS && $.userIdentity.type = "Root" }'


def seed_logging():
    ct_east, ct_eu, ct_ap = client("cloudtrail"), client("cloudtrail", "eu-west-1"), client(
        "cloudtrail", "ap-northeast-1")
    for name, region, logging in (("bench-trail-logs", "us-east-1", True),
                                  ("bench-trail-regional", "eu-west-1", False)):
        s3 = client("s3", region)
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        # As tests/src/lib.rs trail_seed: let S3 server access logging write, deny non-TLS
        # (moto refuses PutBucketLogging to a target whose policy does not allow logging).
        policy = json.loads(deny_http(name))
        policy["Statement"].insert(0, {
            "Sid": "Logging", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{name}/*"})
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        if logging:
            s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": {
                "TargetBucket": name, "TargetPrefix": "access/"}})
    kms = client("kms")
    key = kms.create_key(Description="bench trail key")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    logs_east, logs_eu = client("logs"), client("logs", "eu-west-1")
    logs_east.create_log_group(logGroupName="cloudtrail-events")
    logs_eu.create_log_group(logGroupName="eu-trail-events")
    role = f"arn:aws:iam::{ACCOUNT}:role/CloudTrailToLogs"
    ct_east.create_trail(
        Name="bench-main", S3BucketName="bench-trail-logs", IsMultiRegionTrail=True,
        EnableLogFileValidation=True, KmsKeyId=key,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:cloudtrail-events:*",
        CloudWatchLogsRoleArn=role)
    ct_east.start_logging(Name="bench-main")
    ct_east.put_event_selectors(TrailName="bench-main", AdvancedEventSelectors=[
        {"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {"Name": "s3-objects", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}])
    ct_eu.create_trail(
        Name="bench-eu", S3BucketName="bench-trail-regional", IsMultiRegionTrail=False,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:eu-trail-events:*",
        CloudWatchLogsRoleArn=role)
    ct_eu.start_logging(Name="bench-eu")
    ct_eu.put_event_selectors(TrailName="bench-eu", EventSelectors=[{
        "ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
    ct_ap.create_trail(Name="bench-ap", S3BucketName="bench-trail-regional", IsMultiRegionTrail=False)
    ct_ap.put_event_selectors(TrailName="bench-ap", AdvancedEventSelectors=[
        {"Name": "s3-reads", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "readOnly", "Equals": ["true"]}]}])

    sns = client("sns")
    alerts = sns.create_topic(Name="security-alerts")["TopicArn"]
    sns.subscribe(TopicArn=alerts, Protocol="email", Endpoint="security@example.com")
    unsubscribed = sns.create_topic(Name="bench-unsubscribed")["TopicArn"]
    sns_eu = client("sns", "eu-west-1")
    alerts_eu = sns_eu.create_topic(Name="security-alerts-eu")["TopicArn"]
    sns_eu.subscribe(TopicArn=alerts_eu, Protocol="email", Endpoint="security@example.com")
    patterns = cis_patterns("v3.0.0")
    cw_east, cw_eu = client("cloudwatch"), client("cloudwatch", "eu-west-1")
    for control, how in MONITORING.items():
        if how == "none":
            continue
        effective, published = patterns[control]
        pattern = {"published": published, "reordered": ROOT_REORDERED}.get(how, effective)
        logs, cw, group, topic = logs_east, cw_east, "cloudtrail-events", alerts
        if how == "single-region-trail-only":
            logs, cw, group, topic = logs_eu, cw_eu, "eu-trail-events", alerts_eu
        elif how == "topic-without-subscriber":
            topic = unsubscribed
        logs.put_metric_filter(logGroupName=group, filterName=control, filterPattern=pattern,
                               metricTransformations=[{"metricName": control,
                                                       "metricNamespace": "CISBenchmark",
                                                       "metricValue": "1"}])
        if how == "filter-only":
            continue
        cw.put_metric_alarm(AlarmName=control, MetricName=control, Namespace="CISBenchmark",
                            Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1.0,
                            ComparisonOperator="GreaterThanOrEqualToThreshold",
                            AlarmActions=[] if how == "alarm-without-actions" else [topic])
    return {"trails": ["bench-main", "bench-eu", "bench-ap"], "monitoring": MONITORING}


start = time.time()
logging = seed_logging()
with ThreadPoolExecutor(len(REGIONS)) as pool:
    regions = list(pool.map(seed, enumerate(REGIONS)))
# The warm-up: the credential report, generated once (moto answers STARTED, then COMPLETE).
while iam.generate_credential_report()["State"] != "COMPLETE":
    time.sleep(0.1)
iam.get_credential_report()


def keys_in(region):
    kms = client("kms", region)
    managers = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyManager"]
                for k in kms.list_keys()["Keys"]]
    return len(managers), managers.count("CUSTOMER")


# What the floor counts per resource (moto may make keys of its own, e.g. for RDS).
with ThreadPoolExecutor(len(REGIONS)) as pool:
    kms_counts = list(pool.map(keys_in, REGIONS))
inventory = {"buckets": len(client("s3").list_buckets()["Buckets"]),
             "keys": sum(k for k, _ in kms_counts), "customer_keys": sum(c for _, c in kms_counts),
             # What regions_floor.py counts per resource of the logging and network controls:
             # every trail (GetTrailStatus, GetEventSelectors in its home region), every trail
             # bucket (GetBucketLogging), the log groups of the compliant trails (only
             # bench-main's: DescribeMetricFilters), the regions of those log groups
             # (DescribeAlarms), the topics their filters' alarms notify (security-alerts,
             # bench-unsubscribed: ListSubscriptionsByTopic), the prefix lists that rules on
             # admin ports reference (GetManagedPrefixListEntries), the regions with a
             # peering connection (DescribeRouteTables, to review the peering routes).
             "trails": 3, "trail_buckets": 2, "monitored_log_groups": 1, "alarm_regions": 1,
             "alarm_topics": 2, "prefix_lists": 1, "peering_regions": 1}
json.dump({"inventory": inventory, "logging": logging, "seconds": round(time.time() - start, 1), "regions": regions},
          sys.stdout)
