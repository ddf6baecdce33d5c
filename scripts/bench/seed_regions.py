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

Account-wide: the account's S3 Block Public Access (all four on), an IAM role + instance
profile for the instances, a password policy, three IAM users (see below), and the credential report generated until
COMPLETE (the warm-up; see scripts/bench-regions). The first call (iam:ListRoles) builds
the account's IAM state.
"""
import json
import sys
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

    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                      IamInstanceProfile={"Arn": profile["Arn"]},
                      MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"})
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
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


start = time.time()
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
             "keys": sum(k for k, _ in kms_counts), "customer_keys": sum(c for _, c in kms_counts)}
json.dump({"inventory": inventory, "seconds": round(time.time() - start, 1), "regions": regions},
          sys.stdout)
