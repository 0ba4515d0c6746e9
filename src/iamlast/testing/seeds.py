"""What :meth:`SyntheticAccount.generate` fills an account with: AWS-managed policies, service
roles, and principals drawn from a seeded ``random.Random``."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from .catalog import CATALOGUE, REAL_SERVICES

if TYPE_CHECKING:
    from .account import ManagedPolicy, SyntheticAccount

__all__ = ["AWS_MANAGED", "SERVICE_LINKED", "populate"]

_ALL = tuple(s.namespace for s in CATALOGUE)
_REAL = tuple(s.namespace for s in REAL_SERVICES)
_COMMON = _REAL[:40]

#: name → (path, services)
AWS_MANAGED: dict[str, tuple[str, tuple[str, ...]]] = {
    "AdministratorAccess": ("/", _ALL),
    "ReadOnlyAccess": ("/", _REAL),
    # Everything but three services: its document is a NotAction statement, as AWS's is.
    "PowerUserAccess": ("/", tuple(n for n in _ALL if n not in ("iam", "organizations", "account"))),
    "AmazonS3FullAccess": ("/", ("s3",)),
    "AmazonS3ReadOnlyAccess": ("/", ("s3",)),
    "AmazonEC2FullAccess": ("/", ("ec2", "elasticloadbalancing", "cloudwatch", "autoscaling", "iam")),
    "AmazonDynamoDBFullAccess": ("/", ("dynamodb", "cloudwatch", "application-autoscaling", "sns", "lambda", "iam", "kms")),
    "AWSLambda_FullAccess": ("/", ("lambda", "logs", "iam", "cloudwatch", "cloudformation", "events", "s3", "sqs", "kinesis", "dynamodb")),
    "CloudWatchLogsFullAccess": ("/", ("logs",)),
    "AmazonSQSFullAccess": ("/", ("sqs",)),
    "AmazonSNSFullAccess": ("/", ("sns",)),
    "IAMReadOnlyAccess": ("/", ("iam",)),
    "SecurityAudit": ("/", _COMMON),
    "AWSCodeBuildDeveloperAccess": ("/", ("codebuild", "codecommit", "logs", "s3", "events", "ssm")),
    "AmazonSSMManagedInstanceCore": ("/", ("ssm", "ssmmessages", "ec2messages")),
    "AWSLambdaBasicExecutionRole": ("/service-role/", ("logs",)),
    "AmazonEC2ContainerServiceforEC2Role": ("/service-role/", ("ecs", "ecr", "logs", "ec2")),
    "AWSSupportServiceRolePolicy": ("/aws-service-role/", ("support", "iam", "ec2", "s3", "cloudtrail", "config", "trustedadvisor")),
    "AWSTrustedAdvisorServiceRolePolicy": ("/aws-service-role/", ("trustedadvisor", "ec2", "iam", "s3", "cloudtrail", "rds")),
    "AWSOrganizationsServiceTrustPolicy": ("/aws-service-role/", ("iam", "organizations")),
    "AutoScalingServiceRolePolicy": ("/aws-service-role/", ("ec2", "elasticloadbalancing", "cloudwatch", "sns", "iam")),
    "AWSElasticLoadBalancingServiceRolePolicy": ("/aws-service-role/", ("ec2", "elasticloadbalancing", "logs")),
}

#: role name → (service principal, policy)
SERVICE_LINKED: dict[str, tuple[str, str]] = {
    "AWSServiceRoleForSupport": ("support.amazonaws.com", "AWSSupportServiceRolePolicy"),
    "AWSServiceRoleForTrustedAdvisor": ("trustedadvisor.amazonaws.com", "AWSTrustedAdvisorServiceRolePolicy"),
    "AWSServiceRoleForOrganizations": ("organizations.amazonaws.com", "AWSOrganizationsServiceTrustPolicy"),
    "AWSServiceRoleForAutoScaling": ("autoscaling.amazonaws.com", "AutoScalingServiceRolePolicy"),
    "AWSServiceRoleForElasticLoadBalancing": ("elasticloadbalancing.amazonaws.com", "AWSElasticLoadBalancingServiceRolePolicy"),
}

_PEOPLE = (
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yolanda",
)
_GROUPS = ("Admins", "Developers", "ReadOnly", "DataEngineers", "Billing", "Operations", "Security", "Support")
_TEAMS = ("payments", "search", "platform", "data", "web", "mobile", "ml", "infra")
_PURPOSES = ("s3-access", "deploy", "etl", "read", "ops", "backup", "ci", "monitoring")
_SERVICE_ROLES = (
    ("lambda", "lambda.amazonaws.com", "AWSLambdaBasicExecutionRole"),
    ("codebuild", "codebuild.amazonaws.com", "AWSCodeBuildDeveloperAccess"),
    ("ecs-instance", "ec2.amazonaws.com", "AmazonEC2ContainerServiceforEC2Role"),
)


def populate(acct: SyntheticAccount, rng: random.Random, *, users: int, roles: int, groups: int, policies: int) -> None:
    """Fill ``acct`` deterministically from ``rng``."""
    aws: dict[str, ManagedPolicy] = {}
    for name, (path, services) in AWS_MANAGED.items():
        aws[name] = acct.add_policy(name, services, path=path, aws_managed=True)
    custom = []
    for i in range(policies):
        name = f"{rng.choice(_TEAMS)}-{rng.choice(_PURPOSES)}-{i:03d}"
        chosen = rng.sample(_COMMON, rng.randint(1, 8))
        custom.append(acct.add_policy(name, chosen, path=rng.choice(("/", "/", "/teams/"))))
    pool = custom + [aws[n] for n in ("AmazonS3ReadOnlyAccess", "ReadOnlyAccess", "AmazonSQSFullAccess", "IAMReadOnlyAccess", "AmazonDynamoDBFullAccess")]

    def some_policies(k: int) -> list[ManagedPolicy]:
        return rng.sample(pool, min(len(pool), rng.randint(0, k)))

    def maybe_inline(owner: str) -> dict[str, list[str]]:
        if rng.random() < 0.4:
            return {f"{owner}-inline": rng.sample(_COMMON, rng.randint(1, 4))}
        return {}

    made_groups = []
    for i in range(groups):
        name = _GROUPS[i] if i < len(_GROUPS) else f"Group{i:03d}"
        attached = [aws["AdministratorAccess"]] if name == "Admins" else some_policies(2) or [rng.choice(pool)]
        made_groups.append(acct.add_group(name, policies=attached, inline=maybe_inline(name)))

    for i in range(users):
        name = _PEOPLE[i] if i < len(_PEOPLE) else f"user{i:04d}"
        path = "/contractors/" if rng.random() < 0.15 else "/"
        member_of = rng.sample(made_groups, min(len(made_groups), rng.randint(0, 2)))
        acct.add_user(name, path=path, policies=some_policies(2), inline=maybe_inline(name), groups=member_of)

    if roles < 1:
        return
    # the role people sign in to the console with: its sign-in sessions are limited (12 h), so
    # listings serve MaxSigninSessionDuration for it and, as IAM does when unset, for no other
    acct.add_role("OrganizationAccountAccessRole", policies=[aws["AdministratorAccess"]],
                  trust_service="organizations.amazonaws.com", max_signin_session_duration=43200)
    made = 1
    for name, (principal, policy) in SERVICE_LINKED.items():
        if made >= roles:
            return
        service_path = f"/aws-service-role/{principal}/"
        acct.add_role(name, path=service_path, policies=[aws[policy]], trust_service=principal,
                      description=f"Service-linked role for {principal}")
        made += 1
    for prefix, principal, policy in _SERVICE_ROLES:
        if made >= roles:
            return
        acct.add_role(f"{prefix}-{rng.choice(_TEAMS)}-service-role", path="/service-role/",
                      policies=[aws[policy]], trust_service=principal)
        made += 1
    i = 0
    while made < roles:
        name = f"app-{rng.choice(_TEAMS)}-{rng.choice(_PURPOSES)}-{i:04d}"
        acct.add_role(name, policies=some_policies(3), inline=maybe_inline(name))
        made += 1
        i += 1
