"""CloudTrail field map (native → ECS) and the per-API tables the normalizer reads as data.

Native names are CloudTrail's record keys exactly as AWS spells them (what SigmaHQ's
CloudTrail rules use); the ECS side follows Elastic's AWS integration (`aws.cloudtrail.*`).
A row maps a native name to the field that holds its value verbatim (dates excepted), so a
Sigma rule on the native name always finds the raw value; transformed copies are derived
rows (native=None). The four free-form objects map their prefix to a `flattened` field,
so `requestParameters.bucketName` resolves to `aws.cloudtrail.flattened.request_parameters.bucketName`.
"""
from __future__ import annotations

from normalizer.fieldmap import Field

DATASETS: tuple[str, ...] = ("aws.cloudtrail",)

_UI = "aws.cloudtrail.user_identity"
_SC = f"{_UI}.session_context"

# Scalars copied as they are (type-checked), grouped by record section.
COPIED: tuple[Field, ...] = (
    Field("eventVersion", "aws.cloudtrail.event_version"),
    Field("eventSource", "event.provider"),
    Field("eventName", "event.action"),
    Field("eventID", "event.id"),
    Field("eventType", "aws.cloudtrail.event_type"),
    Field("eventCategory", "aws.cloudtrail.event_category"),
    Field("awsRegion", "cloud.region"),
    Field("sourceIPAddress", "source.address"),
    Field("userAgent", "user_agent.original"),
    Field("errorCode", "aws.cloudtrail.error_code"),
    Field("errorMessage", "aws.cloudtrail.error_message"),
    Field("requestID", "aws.cloudtrail.request_id"),
    Field("apiVersion", "aws.cloudtrail.api_version"),
    Field("readOnly", "aws.cloudtrail.read_only", "boolean"),
    Field("recipientAccountId", "aws.cloudtrail.recipient_account_id"),
    Field("sharedEventID", "aws.cloudtrail.shared_event_id"),
    Field("vpcEndpointId", "aws.cloudtrail.vpc_endpoint_id"),
    Field("vpcEndpointAccountId", "aws.cloudtrail.vpc_endpoint_account_id"),
    Field("sessionCredentialFromConsole", "aws.cloudtrail.session_credential_from_console"),
    Field("tlsDetails.tlsVersion", "aws.cloudtrail.tls_details.tls_version"),
    Field("tlsDetails.cipherSuite", "tls.cipher"),
    Field("tlsDetails.clientProvidedHostHeader", "tls.client.server_name"),
    Field("addendum.reason", "aws.cloudtrail.addendum.reason"),
    Field("addendum.updatedFields", "aws.cloudtrail.addendum.updated_fields"),
    Field("addendum.originalRequestID", "aws.cloudtrail.addendum.original_request_id"),
    Field("addendum.originalEventID", "aws.cloudtrail.addendum.original_event_id"),
    Field("insightDetails.state", "aws.cloudtrail.insight_details.state"),
    Field("insightDetails.eventSource", "aws.cloudtrail.insight_details.event_source"),
    Field("insightDetails.eventName", "aws.cloudtrail.insight_details.event_name"),
    Field("insightDetails.insightType", "aws.cloudtrail.insight_details.insight_type"),
    Field("insightDetails.errorCode", "aws.cloudtrail.insight_details.error_code"),
    # userIdentity: who made the call (every type: Root, IAMUser, AssumedRole, FederatedUser,
    # AWSService, AWSAccount, IdentityCenterUser, SAMLUser, WebIdentityUser, Unknown).
    Field("userIdentity.type", f"{_UI}.type"),
    Field("userIdentity.principalId", "user.id"),
    Field("userIdentity.arn", f"{_UI}.arn"),
    Field("userIdentity.accountId", "cloud.account.id"),
    Field("userIdentity.accessKeyId", f"{_UI}.access_key_id"),
    Field("userIdentity.userName", "user.name"),
    Field("userIdentity.invokedBy", f"{_UI}.invoked_by"),
    Field("userIdentity.identityProvider", f"{_UI}.identity_provider"),
    Field("userIdentity.credentialId", f"{_UI}.credential_id"),
    Field("userIdentity.onBehalfOf.userId", f"{_UI}.on_behalf_of.user_id"),
    Field("userIdentity.onBehalfOf.identityStoreArn", f"{_UI}.on_behalf_of.identity_store_arn"),
    Field("userIdentity.inScopeOf.issuerType", f"{_UI}.in_scope_of.issuer_type"),
    Field("userIdentity.inScopeOf.credentialsIssuedTo", f"{_UI}.in_scope_of.credentials_issued_to"),
    Field("userIdentity.inScopeOf.sourceArn", f"{_UI}.in_scope_of.source_arn"),
    Field("userIdentity.inScopeOf.sourceAccount", f"{_UI}.in_scope_of.source_account"),
    Field("userIdentity.sessionContext.attributes.mfaAuthenticated", f"{_SC}.mfa_authenticated"),
    Field("userIdentity.sessionContext.sessionIssuer.type", f"{_SC}.session_issuer.type"),
    Field("userIdentity.sessionContext.sessionIssuer.principalId", f"{_SC}.session_issuer.principal_id"),
    Field("userIdentity.sessionContext.sessionIssuer.arn", f"{_SC}.session_issuer.arn"),
    Field("userIdentity.sessionContext.sessionIssuer.accountId", f"{_SC}.session_issuer.account_id"),
    Field("userIdentity.sessionContext.sourceIdentity", f"{_SC}.source_identity"),
    Field("userIdentity.sessionContext.ec2RoleDelivery", f"{_SC}.ec2_role_delivery"),
    Field("userIdentity.sessionContext.assumedRoot", f"{_SC}.assumed_root"),
    Field("userIdentity.sessionContext.webIdFederationData.federatedProvider",
          f"{_SC}.web_id_federation_data.federated_provider"),
)

# Native values the normalizer converts or splits in code (each still lands verbatim or as a date).
CONVERTED: tuple[Field, ...] = (
    Field("eventTime", "@timestamp", "date"),
    Field("managementEvent", "aws.cloudtrail.management_event"),
    # An assumed role's user.name is its issuer's name (only for AssumedRole and FederatedUser).
    Field("userIdentity.sessionContext.sessionIssuer.userName", "user.name"),
    Field("userIdentity.sessionContext.attributes.creationDate", f"{_SC}.creation_date", "date"),
    Field("userIdentity.sessionContext.webIdFederationData.attributes",
          f"{_SC}.web_id_federation_data.attributes", "flattened"),
    Field("resources.ARN", "aws.cloudtrail.resources.arn"),
    Field("resources.accountId", "aws.cloudtrail.resources.account_id"),
    Field("resources.type", "aws.cloudtrail.resources.type"),
    Field("edgeDeviceDetails", "aws.cloudtrail.flattened.edge_device_details", "flattened"),
    Field("insightDetails", "aws.cloudtrail.flattened.insight_details", "flattened"),
)

# The free-form objects: each kept as Elastic's string form and as a flattened object.
OBJECTS: tuple[tuple[str, str], ...] = (
    ("requestParameters", "request_parameters"),
    ("responseElements", "response_elements"),
    ("additionalEventData", "additional_eventdata"),
    ("serviceEventDetails", "service_event_details"),
)
OBJECT_FIELDS: tuple[Field, ...] = tuple(
    row
    for native, name in OBJECTS
    for row in (
        Field(None, f"aws.cloudtrail.{name}"),
        Field(native, f"aws.cloudtrail.flattened.{name}", "flattened"),
    )
)

# Written by the normalizer with no single native source (or as a transformed second copy).
DERIVED: tuple[Field, ...] = (
    Field(None, "event.kind"),
    Field(None, "event.category"),
    Field(None, "event.type"),
    Field(None, "event.outcome"),
    Field(None, "event.dataset"),
    Field(None, "cloud.provider"),
    Field(None, "cloud.service.name"),
    Field(None, "source.ip", "ip"),
    Field(None, "related.ip", "ip"),
    Field(None, "related.user"),
    Field(None, "related.hosts"),
    Field(None, "related.entity"),
    Field(None, "user.email"),
    Field(None, "user.entity.id"),
    Field(None, "user.target.name"),
    Field(None, "user.target.id"),
    Field(None, "user.target.entity.id"),
    Field(None, "user.changes.name"),
    Field(None, "group.name"),
    Field(None, "group.id"),
    Field(None, "actor.entity.id"),
    Field(None, "target.entity.id"),
    Field(None, "host.entity.id"),
    Field(None, "host.target.entity.id"),
    Field(None, "service.name"),
    Field(None, "service.entity.id"),
    Field(None, "service.target.entity.id"),
    Field(None, "entity.id"),
    Field(None, "entity.target.id"),
    Field(None, "tls.version"),
    Field(None, "tls.version_protocol"),
    Field(None, "user_agent.name"),
    Field(None, "user_agent.version"),
    Field(None, "user_agent.os.name"),
    Field(None, "user_agent.os.version"),
    Field(None, "user_agent.os.full"),
    Field(None, "user_agent.device.name"),
    Field(None, "aws.cloudtrail.console_login.additional_eventdata.mobile_version", "boolean"),
    Field(None, "aws.cloudtrail.console_login.additional_eventdata.login_to"),
    Field(None, "aws.cloudtrail.console_login.additional_eventdata.mfa_used", "boolean"),
    Field(None, "aws.cloudtrail.flattened.unmapped", "flattened"),
)

FIELDS: tuple[Field, ...] = COPIED + CONVERTED + OBJECT_FIELDS + DERIVED

# eventName → (event.category, event.type), ECS allowed values only. Anything not listed is
# `type: [info]` with no category, as in Elastic's integration.
_IAM_USER_CHANGE = (
    "AttachUserPolicy ChangePassword CreateAccessKey CreateLoginProfile CreateVirtualMFADevice "
    "DeactivateMFADevice DeleteAccessKey DeleteLoginProfile DeleteSSHPublicKey DeleteUserPermissionsBoundary "
    "DeleteUserPolicy DeleteVirtualMFADevice DetachUserPolicy EnableMFADevice PutUserPermissionsBoundary "
    "PutUserPolicy TagUser UntagUser UpdateAccessKey UpdateLoginProfile UpdateSSHPublicKey UpdateUser "
    "UploadSSHPublicKey"
)
_IAM_USER_INFO = (
    "GetUser GetUserPolicy ListAttachedUserPolicies ListGroupsForUser ListUserPolicies ListUserTags ListUsers"
)
_IAM_GROUP_CHANGE = (
    "AddUserToGroup AttachGroupPolicy DeleteGroupPolicy DetachGroupPolicy PutGroupPolicy RemoveUserFromGroup "
    "UpdateGroup"
)
_IAM_GROUP_INFO = "GetGroup GetGroupPolicy ListAttachedGroupPolicies ListGroupPolicies ListGroups"
_IAM_ADMIN_CHANGE = (
    "SetDefaultPolicyVersion SetSecurityTokenServicePreferences UpdateAccountPasswordPolicy UpdateRole"
)
_IAM_CHANGE = (
    "AttachRolePolicy DetachRolePolicy PutRolePolicy DeleteRolePolicy UpdateAssumeRolePolicy "
    "CreatePolicyVersion PutRolePermissionsBoundary"
)


def _rows(names: str, category: str, types: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    return {name: ((category,), types) for name in names.split()}


CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **_rows(_IAM_USER_CHANGE, "iam", ("user", "change")),
    **_rows(_IAM_USER_INFO, "iam", ("user", "info")),
    **_rows(_IAM_GROUP_CHANGE, "iam", ("group", "change")),
    **_rows(_IAM_GROUP_INFO, "iam", ("group", "info")),
    **_rows(_IAM_ADMIN_CHANGE, "iam", ("admin", "change")),
    **_rows(_IAM_CHANGE, "iam", ("change",)),
    **_rows("CreateUser", "iam", ("user", "creation")),
    **_rows("DeleteUser", "iam", ("user", "deletion")),
    **_rows("CreateGroup", "iam", ("group", "creation")),
    **_rows("DeleteGroup", "iam", ("group", "deletion")),
    **_rows("CreateKeyPair", "iam", ("admin", "creation")),
    **_rows("CreatePolicy CreateRole", "iam", ("creation",)),
    **_rows("DeletePolicy DeleteRole", "iam", ("deletion",)),
    **_rows("GetPolicy ListAttachedRolePolicies ListRoles", "iam", ("info",)),
    **_rows("AssumeRole AssumeRoleWithSAML AssumeRoleWithWebIdentity GetCallerIdentity GetSessionToken "
            "GetFederationToken ConsoleLogin CheckMfa SwitchRole ExitRole RenewRole UserAuthentication "
            "CredentialVerification CredentialChallenge GetRoleCredentials", "authentication", ("info",)),
    **_rows("AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress", "network", ("access",)),
    **_rows("RevokeSecurityGroupIngress RevokeSecurityGroupEgress", "network", ("change",)),
    **_rows("DescribeLoadBalancers DescribeNetworkAcls DescribeNetworkInterfaces DescribeSecurityGroups "
            "DescribeVpcs", "network", ("info",)),
    **_rows("DescribeInstances DescribeVolumes ListInstanceAssociations", "host", ("info",)),
    **_rows("DescribeDBInstances ListTables", "database", ("info",)),
    **_rows("CreateBucket CreateDocument", "file", ("creation",)),
    **_rows("DeleteBucket DeleteObject", "file", ("deletion",)),
    **_rows("GetObject HeadObject ListBuckets ListObjects", "file", ("info",)),
    **_rows("PutObject", "file", ("change",)),
    **_rows("PutBucketPolicy PutBucketAcl DeleteBucketPolicy PutBucketPublicAccessBlock "
            "DeleteBucketPublicAccessBlock PutBucketLogging PutBucketVersioning", "configuration", ("change",)),
    **_rows("StopLogging UpdateTrail PutEventSelectors", "configuration", ("change",)),
    **_rows("DeleteTrail", "configuration", ("deletion",)),
    **_rows("CreateTrail CreateTopic", "configuration", ("creation",)),
    **_rows("DescribeTrails", "configuration", ("info",)),
    **_rows("Subscribe", "configuration", ("change",)),
    **_rows("DeleteDetector DeleteFlowLogs DeleteConfigurationRecorder ScheduleKeyDeletion DeleteLogGroup "
            "DeleteRuleGroup DeleteWebACL", "configuration", ("deletion",)),
    **_rows("StopConfigurationRecorder DisableKey UpdateDetector ModifySnapshotAttribute ModifyImageAttribute "
            "PutBucketReplication", "configuration", ("change",)),
    **_rows("RunInstances StartInstances", "host", ("start",)),
    **_rows("StopInstances TerminateInstances", "host", ("end",)),
    **_rows("DescribeRegions", "api", ("info",)),
    **_rows("Converse Publish", "api", ("info",)),
    **_rows("ListFunctions", "package", ("info",)),
    **_rows("SendCommand", "process", ("start",)),
    **_rows("StartSession CreateControlChannel CreateDataChannel OpenControlChannel OpenDataChannel",
            "session", ("start",)),
    **_rows("TerminateSession", "session", ("end",)),
}

# Entities an API call touches, as native paths into the record (a step into a list visits
# every element). RELATED: every event of a source adds these to related.entity. TARGETS:
# what the call acts on (target.*.entity.id, also related.entity), per source and event name.
RELATED: dict[str, tuple[str, ...]] = {
    "cloudtrail.amazonaws.com": (
        "requestParameters.name", "requestParameters.s3BucketName", "responseElements.cloudWatchLogsLogGroupArn",
        "responseElements.cloudWatchLogsRoleArn", "responseElements.kmsKeyId", "responseElements.snsTopicARN",
        "responseElements.trailARN", "responseElements.name",
    ),
    "config.amazonaws.com": ("requestParameters.configurationRecorderName",),
    "ec2.amazonaws.com": (
        "requestParameters.groupId", "requestParameters.groupName", "requestParameters.roleName",
        "requestParameters.subnetId", "requestParameters.volumeId", "requestParameters.networkInterfaceId",
        "requestParameters.vpcId", "requestParameters.snapshotId", "responseElements.groupId",
        "responseElements.reservationId", "responseElements.vpc.vpcId", "responseElements.vpc.dhcpOptionsId",
        "responseElements.snapshotId", "responseElements.volumeId",
        "responseElements.securityGroupRuleSet.items.groupId",
        "responseElements.securityGroupRuleSet.items.referencedGroupInfo.groupId",
        "responseElements.securityGroupRuleSet.items.securityGroupRuleId",
        "responseElements.groupSet.items.groupId", "requestParameters.groupSet.items.groupId",
        "requestParameters.instancesSet.items.instanceId",
        "responseElements.instancesSet.items.subnetId", "responseElements.instancesSet.items.vpcId",
        "responseElements.instancesSet.items.instanceId", "responseElements.instancesSet.items.imageId",
        "responseElements.instancesSet.items.iamInstanceProfile.arn",
        "responseElements.instancesSet.items.networkInterfaceSet.items.networkInterfaceId",
        "responseElements.instancesSet.items.networkInterfaceSet.items.vpcId",
        "responseElements.instancesSet.items.networkInterfaceSet.items.subnetId",
        "responseElements.instancesSet.items.networkInterfaceSet.items.groupSet.items.groupId",
        "requestParameters.revokedSecurityGroupRuleSet.items.securityGroupRuleId",
        "requestParameters.revokedSecurityGroupRuleSet.items.groupId",
    ),
    "guardduty.amazonaws.com": ("requestParameters.detectorId", "responseElements.detectorId"),
    "iam.amazonaws.com": (
        "requestParameters.userName", "requestParameters.serialNumber", "requestParameters.accessKeyId",
        "requestParameters.policyArn", "requestParameters.roleName", "requestParameters.policyName",
        "responseElements.accessKey.userName", "responseElements.accessKey.accessKeyId",
        "responseElements.user.arn", "responseElements.user.userId", "responseElements.user.userName",
        "responseElements.userId", "responseElements.role.arn", "responseElements.serialNumber",
    ),
    "kms.amazonaws.com": (
        "requestParameters.keyId", "responseElements.keyId", "responseElements.keyMetadata.arn",
        "responseElements.keyMetadata.keyId",
    ),
    "lambda.amazonaws.com": (
        "requestParameters.functionName", "responseElements.functionArn", "responseElements.functionName",
        "responseElements.role", "responseElements.vpcConfig.securityGroupIds", "responseElements.vpcConfig.subnetIds",
    ),
    "rds.amazonaws.com": (
        "requestParameters.dBInstanceIdentifier", "requestParameters.dBInstanceArn",
        "responseElements.dBInstanceIdentifier", "responseElements.dbInstanceArn",
        "responseElements.dBSubnetGroup.vpcId", "responseElements.dBSubnetGroup.subnets.subnetIdentifier",
        "responseElements.vpcSecurityGroups.vpcSecurityGroupId",
    ),
    "s3.amazonaws.com": ("requestParameters.bucketName",),
    "sts.amazonaws.com": (
        "requestParameters.roleArn", "userIdentity.sessionContext.sourceIdentity",
        "additionalEventData.MFAIdentifier", "responseElements.assumedRoleUser.arn",
        "requestParameters.roleSessionName", "responseElements.accessKeyId",
    ),
    "signin.amazonaws.com": ("additionalEventData.MFAIdentifier",),
    "wafv2.amazonaws.com": ("requestParameters.id", "responseElements.summary"),
}

_ACCOUNT = ("recipientAccountId",)
_RESOURCES = ("resources.ARN",)


def _targets(source: str, names: str, paths: tuple[str, ...]) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(f"{source}.amazonaws.com", name): paths for name in names.split()}


TARGETS: dict[tuple[str, str], tuple[str, ...]] = {
    **_targets("cloudformation", "CreateStackSet", ("responseElements.stackSetId",)),
    **_targets("cloudformation", "CreateStack", ("responseElements.stackId",)),
    **_targets("cloudtrail", "DeleteTrail StopLogging UpdateTrail PutEventSelectors", ("requestParameters.name",)),
    **_targets("cloudtrail", "DescribeTrails", _ACCOUNT),
    **_targets("ec2-instance-connect", "SendSSHPublicKey SendSerialConsoleSSHPublicKey",
               ("requestParameters.instanceId",)),
    **_targets("config", "StopConfigurationRecorder StartConfigurationRecorder DeleteConfigurationRecorder",
               ("requestParameters.configurationRecorderName",)),
    **_targets("ec2", "AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress",
               ("requestParameters.groupId", "responseElements.securityGroupRuleSet.items.securityGroupRuleId")),
    **_targets("ec2", "CreateTrafficMirrorFilter",
               ("responseElements.CreateTrafficMirrorFilterResponse.trafficMirrorFilter.trafficMirrorFilterId",)),
    **_targets("ec2", "CreateTrafficMirrorFilterRule",
               (("responseElements.CreateTrafficMirrorFilterRuleResponse.trafficMirrorFilterRule"
                 ".trafficMirrorFilterRuleId"),)),
    **_targets("ec2", "CreateTrafficMirrorSession",
               ("responseElements.CreateTrafficMirrorSessionResponse.trafficMirrorSession.trafficMirrorSessionId",)),
    **_targets("ec2", "CreateTrafficMirrorTarget",
               ("responseElements.CreateTrafficMirrorTargetResponse.trafficMirrorTarget.trafficMirrorTargetId",)),
    **_targets("ec2", "DeleteFlowLogs", ("requestParameters.DeleteFlowLogsRequest.FlowLogId.content",)),
    **_targets("ec2", "DeleteNetworkAcl", ("requestParameters.networkAclId",)),
    **_targets("ec2", "DeleteNetworkAclEntry", ("requestParameters.networkAclId", "requestParameters.ruleNumber")),
    **_targets("ec2", "GetPasswordData", ("requestParameters.instanceId",)),
    **_targets("ec2", "ModifyImageAttribute", ("requestParameters.imageId",)),
    **_targets("ec2", "ModifySnapshotAttribute", ("requestParameters.snapshotId",)),
    **_targets("ec2", "StopInstances StartInstances TerminateInstances",
               ("requestParameters.instancesSet.items.instanceId",)),
    **_targets("ec2", "DescribeSecurityGroups DescribeNetworkInterfaces DescribeRegions DescribeVpcs "
               "DescribeNetworkAcls DescribeVolumes DescribeInstances", _ACCOUNT),
    **_targets("elasticfilesystem", "DeleteFileSystem", ("requestParameters.fileSystemId",)),
    **_targets("elasticfilesystem", "DeleteMountTarget", ("requestParameters.mountTargetId",)),
    **_targets("events", "DeleteRule DisableRule", ("requestParameters.name",)),
    **_targets("guardduty", "CreateDetector", ("responseElements.detectorId",)),
    **_targets("guardduty", "DeleteDetector UpdateDetector", ("requestParameters.detectorId",)),
    **_targets("iam", "AttachGroupPolicy", ("requestParameters.groupName",)),
    **_targets("iam", "AttachRolePolicy ListAttachedRolePolicies UpdateAssumeRolePolicy PutRolePolicy",
               ("requestParameters.roleName",)),
    **_targets("iam", "AttachUserPolicy", ("requestParameters.policyArn", "requestParameters.userName")),
    **_targets("iam", "CreateAccessKey", ("responseElements.accessKey.accessKeyId", "requestParameters.userName")),
    **_targets("iam", "CreateUser DeactivateMFADevice DeleteUser CreateLoginProfile UpdateLoginProfile "
               "PutUserPolicy", ("requestParameters.userName",)),
    **_targets("iam", "DeleteVirtualMFADevice", ("requestParameters.serialNumber",)),
    **_targets("iam", "GetPolicy", ("requestParameters.policyArn",)),
    **_targets("iam", "CreatePolicy", ("responseElements.policy.arn",)),
    **_targets("iam", "ListRoles ListUsers", _ACCOUNT),
    **_targets("kms", "DisableKey ScheduleKeyDeletion", _RESOURCES),
    **_targets("lambda", "AddPermission", ("requestParameters.functionName",)),
    **_targets("lambda", "ListFunctions", _ACCOUNT),
    **_targets("logs", "DeleteLogGroup", ("requestParameters.logGroupName",)),
    **_targets("logs", "DeleteLogStream", ("requestParameters.logStreamName",)),
    **_targets("monitoring", "DeleteAlarms", ("requestParameters.alarmNames",)),
    **_targets("rds", "DeleteDBCluster ModifyDBCluster StopDBCluster", ("responseElements.dBClusterArn",)),
    **_targets("rds", "DeleteDBInstance ModifyDBInstance RestoreDBInstanceFromDBSnapshot RestoreDBInstanceFromS3 "
               "StopDBInstance", ("responseElements.dBInstanceArn",)),
    **_targets("rds", "DeleteGlobalCluster", ("responseElements.globalClusterArn",)),
    **_targets("rds", "ModifyDBClusterSnapshotAttribute", ("responseElements.dBClusterSnapshotIdentifier",)),
    **_targets("rds", "ModifyDBSnapshotAttribute", ("responseElements.dBSnapshotIdentifier",)),
    **_targets("rds", "DescribeDBInstances", _ACCOUNT),
    **_targets("rolesanywhere", "CreateTrustAnchor", ("responseElements.trustAnchor.trustAnchorArn",)),
    **_targets("route53resolver", "DeleteResolverQueryLogConfig",
               ("responseElements.resolverQueryLogConfig.arn",)),
    **_targets("s3", "CopyObject PutBucketLogging PutBucketVersioning PutObject GetBucketPolicy ListObjects "
               "HeadObject GetObject DeleteObject DeleteBucket PutBucketPolicy PutBucketAcl DeleteBucketPolicy "
               "PutBucketPublicAccessBlock DeleteBucketPublicAccessBlock", _RESOURCES),
    **_targets("s3", "PutBucketReplication",
               _RESOURCES + ("requestParameters.ReplicationConfiguration.Rule.Destination.Bucket",)),
    **_targets("s3", "ListBuckets", _ACCOUNT),
    **_targets("secretsmanager", "BatchGetSecretValue", ("requestParameters.secretIdList",)),
    **_targets("secretsmanager", "GetSecretValue", ("requestParameters.secretId",)),
    **_targets("signin", "ConsoleLogin", _ACCOUNT),
    **_targets("ssm", "GetParameter GetParameters CreateControlChannel OpenControlChannel", _RESOURCES),
    **_targets("ssm", "StartSession", ("requestParameters.target",)),
    **_targets("ssm", "CreateDocument", ("requestParameters.name",)),
    **_targets("ssm", "TerminateSession OpenDataChannel", ("requestParameters.sessionId",)),
    **_targets("ssm", "SendCommand", ("requestParameters.instanceIds", "requestParameters.targets.values")),
    **_targets("ssm", "ListInstanceAssociations", _ACCOUNT),
    **_targets("sts", "AssumeRole AssumeRoleWithSAML AssumeRoleWithWebIdentity", ("requestParameters.roleArn",)),
    **_targets("sts", "GetCallerIdentity", _ACCOUNT),
    **_targets("wafv2", "DeleteRuleGroup DeleteWebACL", ("requestParameters.id",)),
    **_targets("sns", "CreateTopic", ("responseElements.topicArn",)),
    **_targets("sns", "Subscribe Publish", ("requestParameters.topicArn",)),
    **_targets("bedrock", "Converse InvokeModel", ("requestParameters.modelId",)),
    **_targets("elasticloadbalancing", "DescribeLoadBalancers", _ACCOUNT),
    **_targets("dynamodb", "ListTables", _ACCOUNT),
}

# Host identifiers in request parameters (instance ids, the SSM agent's computer name) → related.hosts.
HOSTS: tuple[str, ...] = (
    "requestParameters.instanceId",
    "requestParameters.computerName",
    "requestParameters.instancesSet.items.instanceId",
    "responseElements.instancesSet.items.instanceId",
)

# Kinds of target by ARN resource type / id prefix (user.*, host.*, service.* target fields).
USER_RESOURCE_TYPES = frozenset({"assumed-role", "federated-user", "instance-profile", "mfa", "role", "user"})
HOST_RESOURCE_TYPES = frozenset({"instance"})
SERVICE_RESOURCE_TYPES = frozenset({
    "alarm", "cluster", "configuration-recorder", "db", "detector", "dhcp-options", "document", "file-system",
    "function", "global-cluster", "group", "ipset", "key", "loadbalancer", "log-group", "log-stream", "model",
    "mount-target", "network-acl", "network-interface", "parameter", "policy", "resolver-query-log-config",
    "rule", "rulegroup", "secret", "security-group", "session", "stack", "stack-set", "subnet", "table",
    "topic", "trail", "trust-anchor", "vpc", "webacl",
})
HOST_ID_PREFIXES = ("i-",)
SERVICE_ID_PREFIXES = ("sg-", "sgr-", "eni-", "vpc-", "subnet-", "acl-", "rtb-", "igw-", "nat-", "vpce-", "tgw-", "pcx-")
USER_IDENTITY_TYPES = frozenset({"AssumedRole", "IAMUser", "Root"})
