"""Seeds a sample account in a local moto server for the demo (endpoint in argv[1]).

The account looks like many real ones: admins and read-only roles, a service-linked
support role, and findings across the IAM section of CIS AWS Foundations v3.0.0:
AWSSupportAccess attached to a *user* instead of a role (1.17), a weak password policy
(1.8, 1.9), a console user without MFA (1.10) who got an access key at setup (1.11), a
user with two active keys (1.13), policies attached to users directly (1.15), a
customer-managed `*:*` policy attached (1.16) and an expired server certificate (1.19);
and findings in every other section, in us-east-1 and eu-west-1: a bucket that allows HTTP
(2.1.1), an unencrypted EBS default (2.2.1), a customer key that does not rotate (3.6),
a trail that covers one region without log file validation or KMS (3.1, 3.2, 3.5), no
metric filters or alarms (4.x), VPCs without flow logs (3.7), a security group open to the
internet on SSH and one open to IPv6 on RDP (5.2, 5.3), a network ACL that allows RDP from
anywhere (5.1), default security groups with rules (5.4).
"""
import json
import sys

import boto3

endpoint = sys.argv[1]
iam = boto3.client(
    "iam",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)


def trust(principal):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


account_root = {"AWS": "arn:aws:iam::123456789012:root"}
iam.create_role(RoleName="Admin", AssumeRolePolicyDocument=trust(account_root))
iam.attach_role_policy(RoleName="Admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
iam.create_role(RoleName="ReadOnly", AssumeRolePolicyDocument=trust(account_root))
iam.attach_role_policy(RoleName="ReadOnly", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
iam.create_role(
    RoleName="AWSServiceRoleForSupport",
    Path="/aws-service-role/support.amazonaws.com/",
    AssumeRolePolicyDocument=trust({"Service": "support.amazonaws.com"}),
)
iam.attach_role_policy(
    RoleName="AWSServiceRoleForSupport",
    PolicyArn="arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy",
)
iam.create_user(UserName="alice")
iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")

# 1.8, 1.9: a password policy, but a weak one.
iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=3)
# 1.10, 1.11: bob signs in to the console without MFA, and got an access key at setup that
# he never used.
iam.create_user(UserName="bob")
iam.create_login_profile(UserName="bob", Password="Demo-password-1234")
iam.create_access_key(UserName="bob")
# 1.13, 1.15: the deploy user has two active keys and its own policy.
iam.create_user(UserName="deploy")
iam.create_access_key(UserName="deploy")
iam.create_access_key(UserName="deploy")
iam.put_user_policy(
    UserName="deploy",
    PolicyName="deploy-artifacts",
    PolicyDocument=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::artifacts/*"}],
        }
    ),
)
# 1.16: a customer-managed policy granting "*" on "*", attached to a group.
admin = iam.create_policy(
    PolicyName="LegacyFullAccess",
    PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    ),
)
iam.create_group(GroupName="ops")
iam.attach_group_policy(GroupName="ops", PolicyArn=admin["Policy"]["Arn"])
# 1.19: an uploaded certificate (moto dates every one 2012-05-08: expired).
iam.upload_server_certificate(
    ServerCertificateName="legacy-www",
    CertificateBody="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    PrivateKey="-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
)

# The other sections, in two regions.
def client(service, region):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


s3 = client("s3", "us-east-1")
# 2.1.1 (no deny-HTTP policy), and the trail's bucket below.
s3.create_bucket(Bucket="demo-artifacts")
s3.create_bucket(Bucket="demo-trail-logs")
s3.put_bucket_policy(
    Bucket="demo-trail-logs",
    Policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::demo-trail-logs/*",
                }
            ],
        }
    ),
)
# 3.1, 3.2, 3.5: a logging trail, but single-region, unvalidated, without KMS.
cloudtrail = client("cloudtrail", "us-east-1")
cloudtrail.create_trail(Name="demo-trail", S3BucketName="demo-trail-logs")
cloudtrail.start_logging(Name="demo-trail")
# 3.6: a customer key that does not rotate.
client("kms", "eu-west-1").create_key(Description="demo data key")
for region in ["us-east-1", "eu-west-1"]:
    ec2 = client("ec2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    # 5.2: SSH open to the IPv4 internet.
    ssh = ec2.create_security_group(GroupName="demo-ssh", Description="bastion", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=ssh["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    # 5.3: RDP open to the IPv6 internet.
    rdp = ec2.create_security_group(GroupName="demo-rdp", Description="windows", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=rdp["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    )
    # 5.1: a network ACL that allows RDP from anywhere.
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 3389, "To": 3389},
    )

print(
    "seeded account 123456789012: roles Admin, ReadOnly, AWSServiceRoleForSupport; user alice"
    " has AWSSupportAccess; a weak password policy; bob (console, no MFA, unused key); deploy"
    " (two active keys, inline policy); group ops with a *:* policy; an expired certificate;"
    " a bucket without deny-HTTP, a single-region trail, a key without rotation, security"
    " groups open on SSH (IPv4) and RDP (IPv6) and a network ACL allowing RDP in us-east-1"
    " and eu-west-1"
)
