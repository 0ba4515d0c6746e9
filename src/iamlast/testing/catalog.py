"""The service catalogue the synthetic account draws from: real namespaces and names, then
synthetic ones so a principal can be granted 400+ services, and the actions IAM tracks.

Action-level data (``TrackedActionsLastAccessed``) exists only for the services in
:data:`TRACKED_ACTIONS`; IAM documents it for Amazon S3, Amazon EC2, IAM and AWS Lambda
management actions, and this emulator adds DynamoDB and KMS as "a few more".
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "REAL_SERVICES", "TRACKED_ACTIONS", "Service", "service"]


@dataclass(frozen=True, slots=True)
class Service:
    """One AWS service as Access Advisor reports it."""

    namespace: str
    name: str

    @property
    def tracked_actions(self) -> tuple[str, ...]:
        """The actions IAM tracks for this service (empty when it tracks none)."""
        return TRACKED_ACTIONS.get(self.namespace, ())


_REAL = """
s3|Amazon S3
ec2|Amazon EC2
iam|AWS Identity and Access Management
lambda|AWS Lambda
dynamodb|Amazon DynamoDB
sts|AWS Security Token Service
kms|AWS Key Management Service
cloudwatch|Amazon CloudWatch
logs|Amazon CloudWatch Logs
sqs|Amazon SQS
sns|Amazon SNS
cloudformation|AWS CloudFormation
cloudtrail|AWS CloudTrail
config|AWS Config
ecr|Amazon Elastic Container Registry
ecs|Amazon Elastic Container Service
eks|Amazon Elastic Kubernetes Service
elasticloadbalancing|Elastic Load Balancing
autoscaling|Amazon EC2 Auto Scaling
application-autoscaling|Application Auto Scaling
rds|Amazon RDS
redshift|Amazon Redshift
elasticache|Amazon ElastiCache
es|Amazon OpenSearch Service
kinesis|Amazon Kinesis Data Streams
firehose|Amazon Data Firehose
glue|AWS Glue
athena|Amazon Athena
secretsmanager|AWS Secrets Manager
ssm|AWS Systems Manager
ssmmessages|Amazon Session Manager Message Gateway Service
ec2messages|Amazon Message Delivery Service
route53|Amazon Route 53
cloudfront|Amazon CloudFront
acm|AWS Certificate Manager
apigateway|Amazon API Gateway
states|AWS Step Functions
events|Amazon EventBridge
organizations|AWS Organizations
support|AWS Support
trustedadvisor|AWS Trusted Advisor
health|AWS Health APIs and Notifications
sso|AWS IAM Identity Center
identitystore|AWS Identity Store
access-analyzer|IAM Access Analyzer
guardduty|Amazon GuardDuty
securityhub|AWS Security Hub
inspector2|Amazon Inspector
macie2|Amazon Macie
wafv2|AWS WAF
shield|AWS Shield
backup|AWS Backup
elasticfilesystem|Amazon Elastic File System
fsx|Amazon FSx
glacier|Amazon S3 Glacier
sagemaker|Amazon SageMaker
bedrock|Amazon Bedrock
codebuild|AWS CodeBuild
codecommit|AWS CodeCommit
codedeploy|AWS CodeDeploy
codepipeline|AWS CodePipeline
codeartifact|AWS CodeArtifact
cognito-idp|Amazon Cognito User Pools
cognito-identity|Amazon Cognito Identity
xray|AWS X-Ray
servicequotas|Service Quotas
tag|Amazon Resource Group Tagging API
resource-groups|AWS Resource Groups
ce|AWS Cost Explorer Service
budgets|AWS Budget Service
pricing|AWS Price List
appsync|AWS AppSync
amplify|AWS Amplify
batch|AWS Batch
elasticmapreduce|Amazon EMR
datasync|AWS DataSync
dms|AWS Database Migration Service
transfer|AWS Transfer Family
mq|Amazon MQ
kafka|Amazon Managed Streaming for Apache Kafka
airflow|Amazon Managed Workflows for Apache Airflow
lakeformation|AWS Lake Formation
quicksight|Amazon QuickSight
textract|Amazon Textract
rekognition|Amazon Rekognition
comprehend|Amazon Comprehend
translate|Amazon Translate
polly|Amazon Polly
ses|Amazon SES
iot|AWS IoT
ram|AWS Resource Access Manager
servicecatalog|AWS Service Catalog
ds|AWS Directory Service
workspaces|Amazon WorkSpaces
elasticbeanstalk|AWS Elastic Beanstalk
lightsail|Amazon Lightsail
apprunner|AWS App Runner
imagebuilder|Amazon EC2 Image Builder
account|AWS Account Management
"""

REAL_SERVICES: tuple[Service, ...] = tuple(
    Service(*line.split("|", 1)) for line in _REAL.strip().splitlines()
)

#: Synthetic services fill the catalogue up to this size (IAM knows about 400+ services).
CATALOGUE_SIZE = 420

CATALOGUE: tuple[Service, ...] = REAL_SERVICES + tuple(
    Service(f"synthetic{i:03d}", f"AWS Synthetic Service {i:03d}")
    for i in range(1, CATALOGUE_SIZE - len(REAL_SERVICES) + 1)
)

_BY_NAMESPACE = {s.namespace: s for s in CATALOGUE}

# Management actions only, as IAM tracks them; never iam:PassRole or data-plane actions.
TRACKED_ACTIONS: dict[str, tuple[str, ...]] = {
    "s3": (
        "CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "PutAccelerateConfiguration",
        "PutBucketAcl", "PutBucketCORS", "PutBucketLogging", "PutBucketNotification",
        "PutBucketPolicy", "PutBucketPublicAccessBlock", "PutBucketTagging",
        "PutBucketVersioning", "PutEncryptionConfiguration", "PutLifecycleConfiguration",
        "PutReplicationConfiguration",
    ),
    "ec2": (
        "AssociateIamInstanceProfile", "AuthorizeSecurityGroupIngress", "CreateImage",
        "CreateSecurityGroup", "CreateSnapshot", "CreateVpc", "DeleteSecurityGroup",
        "DeleteVpc", "ModifyInstanceAttribute", "RunInstances", "StartInstances",
        "StopInstances", "TerminateInstances",
    ),
    "iam": (
        "AttachRolePolicy", "AttachUserPolicy", "CreateAccessKey", "CreatePolicy",
        "CreatePolicyVersion", "CreateRole", "CreateUser", "DeleteAccessKey", "DeleteRole",
        "DeleteUser", "DetachRolePolicy", "PutRolePolicy", "UpdateAssumeRolePolicy",
    ),
    "lambda": (
        "AddPermission", "CreateAlias", "CreateEventSourceMapping", "CreateFunction",
        "DeleteFunction", "PublishVersion", "PutFunctionConcurrency", "RemovePermission",
        "UpdateFunctionCode", "UpdateFunctionConfiguration",
    ),
    "dynamodb": (
        "CreateBackup", "CreateTable", "DeleteTable", "RestoreTableFromBackup",
        "UpdateContinuousBackups", "UpdateTable", "UpdateTimeToLive",
    ),
    "kms": (
        "CreateAlias", "CreateGrant", "CreateKey", "DisableKey", "EnableKeyRotation",
        "PutKeyPolicy", "ScheduleKeyDeletion",
    ),
}


def service(namespace: str) -> Service:
    """The catalogue entry for ``namespace`` (an unknown one gets a generic name)."""
    found = _BY_NAMESPACE.get(namespace)
    return found if found is not None else Service(namespace, namespace)
