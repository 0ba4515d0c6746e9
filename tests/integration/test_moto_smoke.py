"""Every IAM operation moto implements, called once through its generated method, with both clients.

Which operations moto implements is discovered, not listed: an operation counts when
``moto.iam.responses.IamResponse`` has a method named like its botocore ``xform_name``. Each one
needs a row in ``ARGS`` (minimal valid arguments, built on state that boto3 sets up beforehand),
so a moto upgrade that adds an operation fails ``test_every_moto_operation_has_arguments`` until
the row is written.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import pytest
from botocore import xform_name
from moto.iam.responses import IamResponse

from iamlast import errors
from iamlast._runtime.core import EmptyResponse
from iamlast.operations import OPERATIONS

from ._support import POLICY, SMOKE_CALLED, TRUST, run

IMPLEMENTED = sorted(name for name in OPERATIONS if hasattr(IamResponse, xform_name(name)))


@functools.cache
def pem_material() -> tuple[str, str, str]:
    """A self-signed certificate, its private key and an OpenSSH public key (made once)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "iamlast.example.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    ssh = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return cert_pem, key_pem, ssh.decode()


SAML_METADATA = (
    '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="https://idp.example.com/metadata"><md:IDPSSODescriptor '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService '
    'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
    'Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    "<!--" + "padding " * 120 + "-->"
)
THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
PASSWORD = "Str0ng-Passw0rd!"


class World:
    """State an operation needs, created on demand through boto3 (not the code under test)."""

    def __init__(self, boto: Any) -> None:
        self.boto = boto

    @functools.cached_property
    def role(self) -> str:
        self.boto.create_role(RoleName="smoke-role", AssumeRolePolicyDocument=TRUST)
        return "smoke-role"

    @functools.cached_property
    def user(self) -> str:
        self.boto.create_user(UserName="smoke-user")
        return "smoke-user"

    @functools.cached_property
    def group(self) -> str:
        self.boto.create_group(GroupName="smoke-group")
        return "smoke-group"

    @functools.cached_property
    def policy(self) -> str:
        arn: str = self.boto.create_policy(PolicyName="smoke-policy", PolicyDocument=POLICY)[
            "Policy"
        ]["Arn"]
        return arn

    @functools.cached_property
    def policy_v2(self) -> str:
        self.boto.create_policy_version(PolicyArn=self.policy, PolicyDocument=POLICY)
        return "v2"

    @functools.cached_property
    def instance_profile(self) -> str:
        self.boto.create_instance_profile(InstanceProfileName="smoke-profile")
        return "smoke-profile"

    @functools.cached_property
    def profile_with_role(self) -> str:
        self.boto.add_role_to_instance_profile(
            InstanceProfileName=self.instance_profile, RoleName=self.role
        )
        return self.instance_profile

    @functools.cached_property
    def oidc(self) -> str:
        arn: str = self.boto.create_open_id_connect_provider(
            Url="https://oidc.example.com", ThumbprintList=[THUMBPRINT], ClientIDList=["client"]
        )["OpenIDConnectProviderArn"]
        return arn

    @functools.cached_property
    def saml(self) -> str:
        arn: str = self.boto.create_saml_provider(
            Name="smoke-saml", SAMLMetadataDocument=SAML_METADATA
        )["SAMLProviderArn"]
        return arn

    @functools.cached_property
    def access_key(self) -> str:
        key: str = self.boto.create_access_key(UserName=self.user)["AccessKey"]["AccessKeyId"]
        return key

    @functools.cached_property
    def login_profile(self) -> str:
        self.boto.create_login_profile(UserName=self.user, Password=PASSWORD)
        return self.user

    @functools.cached_property
    def server_certificate(self) -> str:
        cert, key, _ssh = pem_material()
        self.boto.upload_server_certificate(
            ServerCertificateName="smoke-cert", CertificateBody=cert, PrivateKey=key
        )
        return "smoke-cert"

    @functools.cached_property
    def signing_certificate(self) -> str:
        cert, _key, _ssh = pem_material()
        cert_id: str = self.boto.upload_signing_certificate(
            UserName=self.user, CertificateBody=cert
        )["Certificate"]["CertificateId"]
        return cert_id

    @functools.cached_property
    def ssh_key(self) -> str:
        _cert, _key, ssh = pem_material()
        key_id: str = self.boto.upload_ssh_public_key(UserName=self.user, SSHPublicKeyBody=ssh)[
            "SSHPublicKey"
        ]["SSHPublicKeyId"]
        return key_id

    @functools.cached_property
    def mfa(self) -> str:
        serial: str = self.boto.create_virtual_mfa_device(VirtualMFADeviceName="smoke-mfa")[
            "VirtualMFADevice"
        ]["SerialNumber"]
        return serial

    @functools.cached_property
    def enabled_mfa(self) -> str:
        self.boto.enable_mfa_device(
            UserName=self.user,
            SerialNumber=self.mfa,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
        return self.mfa

    @functools.cached_property
    def service_linked_role(self) -> str:
        name: str = self.boto.create_service_linked_role(
            AWSServiceName="autoscaling.amazonaws.com"
        )["Role"]["RoleName"]
        return name

    @functools.cached_property
    def deletion_task(self) -> str:
        task: str = self.boto.delete_service_linked_role(RoleName=self.service_linked_role)[
            "DeletionTaskId"
        ]
        return task

    @functools.cached_property
    def account_alias(self) -> str:
        self.boto.create_account_alias(AccountAlias="smoke-alias")
        return "smoke-alias"

    @functools.cached_property
    def password_policy(self) -> bool:
        self.boto.update_account_password_policy(MinimumPasswordLength=12)
        return True

    @functools.cached_property
    def credential_report(self) -> bool:
        self.boto.generate_credential_report()
        return True

    def after(self, *prepared: str) -> dict[str, Any]:
        """No arguments, once the named state exists."""
        for name in prepared:
            getattr(self, name)
        return {}

    def inline(self, kind: str) -> dict[str, str]:
        owner = {"role": self.role, "user": self.user, "group": self.group}[kind]
        getattr(self.boto, f"put_{kind}_policy")(
            **{f"{kind.capitalize()}Name": owner}, PolicyName="inline", PolicyDocument=POLICY
        )
        return {f"{kind}_name": owner, "policy_name": "inline"}

    def attached(self, kind: str) -> dict[str, str]:
        owner = {"role": self.role, "user": self.user, "group": self.group}[kind]
        getattr(self.boto, f"attach_{kind}_policy")(
            **{f"{kind.capitalize()}Name": owner}, PolicyArn=self.policy
        )
        return {f"{kind}_name": owner, "policy_arn": self.policy}

    def member(self) -> dict[str, str]:
        self.boto.add_user_to_group(GroupName=self.group, UserName=self.user)
        return {"group_name": self.group, "user_name": self.user}


Args = Callable[[World], dict[str, Any]]
TAGS = [{"Key": "smoke", "Value": "yes"}]

ARGS: dict[str, Args] = {
    # roles
    "CreateRole": lambda w: {"role_name": "new-role", "assume_role_policy_document": TRUST},
    "GetRole": lambda w: {"role_name": w.role},
    "ListRoles": lambda w: {},
    "UpdateRole": lambda w: {"role_name": w.role, "description": "updated"},
    "UpdateRoleDescription": lambda w: {"role_name": w.role, "description": "updated"},
    "UpdateAssumeRolePolicy": lambda w: {"role_name": w.role, "policy_document": TRUST},
    "DeleteRole": lambda w: {"role_name": w.role},
    "TagRole": lambda w: {"role_name": w.role, "tags": TAGS},
    "UntagRole": lambda w: {"role_name": w.role, "tag_keys": ["smoke"]},
    "ListRoleTags": lambda w: {"role_name": w.role},
    "PutRolePermissionsBoundary": lambda w: {"role_name": w.role, "permissions_boundary": w.policy},
    "DeleteRolePermissionsBoundary": lambda w: {"role_name": w.role},
    "CreateServiceLinkedRole": lambda w: {"aws_service_name": "elasticbeanstalk.amazonaws.com"},
    "DeleteServiceLinkedRole": lambda w: {"role_name": w.service_linked_role},
    "GetServiceLinkedRoleDeletionStatus": lambda w: {"deletion_task_id": w.deletion_task},
    # users
    "CreateUser": lambda w: {"user_name": "new-user"},
    "GetUser": lambda w: {"user_name": w.user},
    "ListUsers": lambda w: {},
    "UpdateUser": lambda w: {"user_name": w.user, "new_path": "/moved/"},
    "DeleteUser": lambda w: {"user_name": w.user},
    "TagUser": lambda w: {"user_name": w.user, "tags": TAGS},
    "UntagUser": lambda w: {"user_name": w.user, "tag_keys": ["smoke"]},
    "ListUserTags": lambda w: {"user_name": w.user},
    "CreateLoginProfile": lambda w: {"user_name": w.user, "password": PASSWORD},
    "GetLoginProfile": lambda w: {"user_name": w.login_profile},
    "UpdateLoginProfile": lambda w: {"user_name": w.login_profile, "password_reset_required": True},
    "DeleteLoginProfile": lambda w: {"user_name": w.login_profile},
    "CreateAccessKey": lambda w: {"user_name": w.user},
    "ListAccessKeys": lambda w: {"user_name": w.user},
    "UpdateAccessKey": lambda w: {
        "user_name": w.user,
        "access_key_id": w.access_key,
        "status": "Inactive",
    },
    "DeleteAccessKey": lambda w: {"user_name": w.user, "access_key_id": w.access_key},
    "GetAccessKeyLastUsed": lambda w: {"access_key_id": w.access_key},
    "UploadSigningCertificate": lambda w: {
        "user_name": w.user,
        "certificate_body": pem_material()[0],
    },
    "ListSigningCertificates": lambda w: {"user_name": w.user},
    "UpdateSigningCertificate": lambda w: {
        "user_name": w.user,
        "certificate_id": w.signing_certificate,
        "status": "Inactive",
    },
    "DeleteSigningCertificate": lambda w: {
        "user_name": w.user,
        "certificate_id": w.signing_certificate,
    },
    "UploadSSHPublicKey": lambda w: {"user_name": w.user, "ssh_public_key_body": pem_material()[2]},
    "ListSSHPublicKeys": lambda w: {"user_name": w.user},
    "GetSSHPublicKey": lambda w: {
        "user_name": w.user,
        "ssh_public_key_id": w.ssh_key,
        "encoding": "SSH",
    },
    "UpdateSSHPublicKey": lambda w: {
        "user_name": w.user,
        "ssh_public_key_id": w.ssh_key,
        "status": "Inactive",
    },
    "DeleteSSHPublicKey": lambda w: {"user_name": w.user, "ssh_public_key_id": w.ssh_key},
    # MFA
    "CreateVirtualMFADevice": lambda w: {"virtual_mfa_device_name": "new-mfa"},
    "ListVirtualMFADevices": lambda w: {},
    "DeleteVirtualMFADevice": lambda w: {"serial_number": w.mfa},
    "EnableMFADevice": lambda w: {
        "user_name": w.user,
        "serial_number": w.mfa,
        "authentication_code1": "123456",
        "authentication_code2": "654321",
    },
    "ListMFADevices": lambda w: {"user_name": w.user},
    "DeactivateMFADevice": lambda w: {"user_name": w.user, "serial_number": w.enabled_mfa},
    # groups
    "CreateGroup": lambda w: {"group_name": "new-group"},
    "GetGroup": lambda w: {"group_name": w.group},
    "ListGroups": lambda w: {},
    "UpdateGroup": lambda w: {"group_name": w.group, "new_group_name": "renamed-group"},
    "DeleteGroup": lambda w: {"group_name": w.group},
    "AddUserToGroup": lambda w: {"group_name": w.group, "user_name": w.user},
    "RemoveUserFromGroup": lambda w: w.member(),
    "ListGroupsForUser": lambda w: {"user_name": w.member()["user_name"]},
    # managed policies
    "CreatePolicy": lambda w: {"policy_name": "new-policy", "policy_document": POLICY},
    "GetPolicy": lambda w: {"policy_arn": w.policy},
    "ListPolicies": lambda w: {"scope": "Local"},
    "DeletePolicy": lambda w: {"policy_arn": w.policy},
    "CreatePolicyVersion": lambda w: {"policy_arn": w.policy, "policy_document": POLICY},
    "GetPolicyVersion": lambda w: {"policy_arn": w.policy, "version_id": "v1"},
    "ListPolicyVersions": lambda w: {"policy_arn": w.policy},
    "SetDefaultPolicyVersion": lambda w: {"policy_arn": w.policy, "version_id": w.policy_v2},
    "DeletePolicyVersion": lambda w: {"policy_arn": w.policy, "version_id": w.policy_v2},
    "TagPolicy": lambda w: {"policy_arn": w.policy, "tags": TAGS},
    "UntagPolicy": lambda w: {"policy_arn": w.policy, "tag_keys": ["smoke"]},
    "ListPolicyTags": lambda w: {"policy_arn": w.policy},
    "ListEntitiesForPolicy": lambda w: {"policy_arn": w.attached("role")["policy_arn"]},
    "AttachRolePolicy": lambda w: {"role_name": w.role, "policy_arn": w.policy},
    "AttachUserPolicy": lambda w: {"user_name": w.user, "policy_arn": w.policy},
    "AttachGroupPolicy": lambda w: {"group_name": w.group, "policy_arn": w.policy},
    "DetachRolePolicy": lambda w: w.attached("role"),
    "DetachUserPolicy": lambda w: w.attached("user"),
    "DetachGroupPolicy": lambda w: w.attached("group"),
    "ListAttachedRolePolicies": lambda w: {"role_name": w.attached("role")["role_name"]},
    "ListAttachedUserPolicies": lambda w: {"user_name": w.attached("user")["user_name"]},
    "ListAttachedGroupPolicies": lambda w: {"group_name": w.attached("group")["group_name"]},
    # inline policies
    "PutRolePolicy": lambda w: {"role_name": w.role, "policy_name": "p", "policy_document": POLICY},
    "PutUserPolicy": lambda w: {"user_name": w.user, "policy_name": "p", "policy_document": POLICY},
    "PutGroupPolicy": lambda w: {
        "group_name": w.group,
        "policy_name": "p",
        "policy_document": POLICY,
    },
    "GetRolePolicy": lambda w: w.inline("role"),
    "GetUserPolicy": lambda w: w.inline("user"),
    "GetGroupPolicy": lambda w: w.inline("group"),
    "DeleteRolePolicy": lambda w: w.inline("role"),
    "DeleteUserPolicy": lambda w: w.inline("user"),
    "DeleteGroupPolicy": lambda w: w.inline("group"),
    "ListRolePolicies": lambda w: {"role_name": w.inline("role")["role_name"]},
    "ListUserPolicies": lambda w: {"user_name": w.inline("user")["user_name"]},
    "ListGroupPolicies": lambda w: {"group_name": w.inline("group")["group_name"]},
    # instance profiles
    "CreateInstanceProfile": lambda w: {"instance_profile_name": "new-profile", "tags": TAGS},
    "GetInstanceProfile": lambda w: {"instance_profile_name": w.profile_with_role},
    "ListInstanceProfiles": lambda w: {},
    "ListInstanceProfilesForRole": lambda w: {"role_name": w.role},
    "DeleteInstanceProfile": lambda w: {"instance_profile_name": w.instance_profile},
    "AddRoleToInstanceProfile": lambda w: {
        "instance_profile_name": w.instance_profile,
        "role_name": w.role,
    },
    "RemoveRoleFromInstanceProfile": lambda w: {
        "instance_profile_name": w.profile_with_role,
        "role_name": w.role,
    },
    "TagInstanceProfile": lambda w: {"instance_profile_name": w.instance_profile, "tags": TAGS},
    "UntagInstanceProfile": lambda w: {
        "instance_profile_name": w.instance_profile,
        "tag_keys": ["smoke"],
    },
    # identity providers
    "CreateOpenIDConnectProvider": lambda w: {
        "url": "https://new-oidc.example.com",
        "thumbprint_list": [THUMBPRINT],
        "client_id_list": ["client"],
    },
    "GetOpenIDConnectProvider": lambda w: {"open_id_connect_provider_arn": w.oidc},
    "ListOpenIDConnectProviders": lambda w: {},
    "DeleteOpenIDConnectProvider": lambda w: {"open_id_connect_provider_arn": w.oidc},
    "UpdateOpenIDConnectProviderThumbprint": lambda w: {
        "open_id_connect_provider_arn": w.oidc,
        "thumbprint_list": ["f" * 40],
    },
    "TagOpenIDConnectProvider": lambda w: {"open_id_connect_provider_arn": w.oidc, "tags": TAGS},
    "UntagOpenIDConnectProvider": lambda w: {
        "open_id_connect_provider_arn": w.oidc,
        "tag_keys": ["smoke"],
    },
    "ListOpenIDConnectProviderTags": lambda w: {"open_id_connect_provider_arn": w.oidc},
    "CreateSAMLProvider": lambda w: {"name": "new-saml", "saml_metadata_document": SAML_METADATA},
    "GetSAMLProvider": lambda w: {"saml_provider_arn": w.saml},
    "ListSAMLProviders": lambda w: {},
    "UpdateSAMLProvider": lambda w: {
        "saml_provider_arn": w.saml,
        "saml_metadata_document": SAML_METADATA,
    },
    "DeleteSAMLProvider": lambda w: {"saml_provider_arn": w.saml},
    # server certificates
    "UploadServerCertificate": lambda w: {
        "server_certificate_name": "new-cert",
        "certificate_body": pem_material()[0],
        "private_key": pem_material()[1],
    },
    "GetServerCertificate": lambda w: {"server_certificate_name": w.server_certificate},
    "ListServerCertificates": lambda w: {},
    "DeleteServerCertificate": lambda w: {"server_certificate_name": w.server_certificate},
    # account
    "CreateAccountAlias": lambda w: {"account_alias": "new-alias"},
    "ListAccountAliases": lambda w: {},
    "DeleteAccountAlias": lambda w: {"account_alias": w.account_alias},
    "GetAccountSummary": lambda w: {},
    "GetAccountAuthorizationDetails": lambda w: {"filter": ["Role", "User", "LocalManagedPolicy"]},
    "GetAccountPasswordPolicy": lambda w: w.after("password_policy"),
    "UpdateAccountPasswordPolicy": lambda w: {
        "minimum_password_length": 14,
        "require_symbols": True,
    },
    "DeleteAccountPasswordPolicy": lambda w: w.after("password_policy"),
    "GenerateCredentialReport": lambda w: {},
    "GetCredentialReport": lambda w: w.after("credential_report"),
}

# Modelled errors moto legitimately answers for the minimal input above (none so far: every
# row is set up to succeed). Keyed by operation.
ALLOWED_ERRORS: dict[str, tuple[type[errors.ServiceError], ...]] = {
    # moto may still be "generating" right after GenerateCredentialReport.
    "GetCredentialReport": (errors.CredentialReportNotReadyError,),
}


def test_moto_implements_a_good_share_of_iam() -> None:
    assert len(IMPLEMENTED) >= 100
    assert {"ListRoles", "GetRole", "CreateRole", "PutRolePolicy", "TagRole"} <= set(IMPLEMENTED)


def test_every_moto_operation_has_arguments() -> None:
    missing = sorted(set(IMPLEMENTED) - set(ARGS))
    assert missing == [], f"add smoke arguments for {missing}"
    stale = sorted(set(ARGS) - set(IMPLEMENTED))
    assert stale == [], f"moto no longer implements {stale}"


@pytest.mark.parametrize("operation", IMPLEMENTED)
async def test_smoke(api: Any, boto: Any, operation: str) -> None:
    spec = OPERATIONS[operation]
    kwargs = ARGS[operation](World(boto))
    method = getattr(api, spec.python_name)
    flavor = "async" if type(api).__name__ == "AsyncClient" else "sync"
    failure: errors.ServiceError | None = None
    try:
        result = await run(method(**kwargs))
    except errors.ServiceError as err:
        if not isinstance(err, ALLOWED_ERRORS.get(operation, ())):
            raise
        failure = err
    if failure is not None:
        assert isinstance(failure, spec.error_classes), (
            f"{failure!r} is not modelled for {operation}"
        )
    else:
        expected = spec.output_model or EmptyResponse
        assert type(result) is expected
        assert result.response_metadata is not None
        assert result.response_metadata.http_status_code == 200
    SMOKE_CALLED[flavor].add(operation)
