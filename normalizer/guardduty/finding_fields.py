"""GuardDuty's native finding fields → their exact counterparts under `aws.guardduty.*`.

Native names are the finding's JSON names as AWS spells them (the GuardDuty API model), dotted
through objects and lists alike (`service.action.portProbeAction.portProbeDetails.localPortDetails.port`);
the `aws.guardduty.*` names are Elastic's AWS integration's. This module changes when AWS changes the
finding format; ecs_fields holds what we copy to ECS fields.

Row types drive the conversion too: `date` parses ISO 8601 or epoch seconds, `long`/`double`/
`boolean`/`ip` are checked, and `flattened` keeps a free-form object whole. Rows typed `object` in the
tables below mark a list of objects (network interfaces, tags, probe details): they become LISTS, not
FIELDS rows, and the rows below them are written relative to each element.
"""
from __future__ import annotations

from normalizer.fieldmap import Field

K, X, L, D, B, T, IP, F, O = "keyword", "text", "long", "double", "boolean", "date", "ip", "flattened", "object"

Rows = tuple[tuple[str, str, str], ...]


def _under(native: str, ecs: str, rows: Rows) -> tuple[Field, ...]:
    """Rows relative to a native and an ECS prefix, so the table reads like the AWS docs."""
    return tuple(Field(_join(native, nat), _join(ecs, e), typ) for nat, e, typ in rows)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix and name else prefix or name


def _nested(native: str, ecs: str, rows: Rows) -> Rows:
    """The same rows one level down (`volumeMounts.name` under `containers`)."""
    return tuple((f"{native}.{n}", f"{ecs}.{e}", t) for n, e, t in rows)


TAGS: Rows = (("tags", "tags", O), ("tags.key", "tags.key", K), ("tags.value", "tags.value", K))

REMOTE_IP: Rows = (
    ("city.cityName", "city.name", K),
    ("country.countryCode", "country.code", K),
    ("country.countryName", "country.name", K),
    ("geoLocation.lat", "geo_location.lat", D),
    ("geoLocation.lon", "geo_location.lon", D),
    ("ipAddressV4", "ip_address_v4", IP),
    ("ipAddressV6", "ip_address_v6", IP),
    ("organization.asn", "organization.asn", K),
    ("organization.asnOrg", "organization.asnorg", K),
    ("organization.isp", "organization.isp", K),
    ("organization.org", "organization.org", K),
)

CONTAINER: Rows = (
    ("containerRuntime", "container_runtime", K),
    ("id", "id", K),
    ("name", "name", K),
    ("image", "image.value", K),
    ("imagePrefix", "image.prefix", K),
    ("volumeMounts", "volume_mounts", O),
    ("volumeMounts.name", "volume_mounts.name", K),
    ("volumeMounts.mountPath", "volume_mounts.mount_path", K),
    ("securityContext.privileged", "security_context.privileged", B),
    ("securityContext.allowPrivilegeEscalation", "security_context.allow_privilege_escalation", B),
)

VOLUMES: Rows = (("volumes", "volumes", O), ("volumes.name", "volumes.name", K),
                 ("volumes.hostPath.path", "volumes.host_path.path", K))

PROCESS_FIELDS: Rows = (
    ("name", "name", K),
    ("executablePath", "executable_path", K),
    ("namespacePid", "namespace_pid", L),
    ("pid", "pid", L),
    ("startTime", "start_time", T),
    ("uuid", "uuid", K),
    ("parentUuid", "parent_uuid", K),
    ("userId", "user_id", L),
    ("euid", "euid", L),
)
PROCESS: Rows = (
    *PROCESS_FIELDS,
    ("executableSha256", "executable_sha256", K),
    ("pwd", "pwd", K),
    ("user", "user", K),
    ("lineage", "lineage", O),
    *((f"lineage.{n}", f"lineage.{e}", t) for n, e, t in PROCESS_FIELDS),
)

EBS_VOLUME: Rows = (
    ("volumeArn", "volume.arn", K),
    ("volumeType", "volume.type", K),
    ("deviceName", "device_name", K),
    ("volumeSizeInGB", "volume.size_in_gb", L),
    ("encryptionType", "encryption_type", K),
    ("snapshotArn", "snapshot_arn", K),
    ("kmsKeyArn", "kmskey_arn", K),
)


GD = "aws.guardduty"
RES = f"{GD}.resource"
SVC = f"{GD}.service"
ACT = f"{SVC}.action"

_ROWS: tuple[Field, ...] = (
    *_under("", GD, (
        ("accountId", "account_id", K),
        ("arn", "arn", K),
        ("confidence", "confidence", D),
        ("createdAt", "created_at", T),
        ("description", "description", X),
        ("id", "id", K),
        ("partition", "partition", K),
        ("region", "region", K),
        ("schemaVersion", "schema_version", K),
        ("severity", "severity.code", D),
        ("title", "title", K),
        ("type", "type", K),
        ("updatedAt", "updated_at", T),
        ("associatedAttackSequenceArn", "associated_attack_sequence_arn", K),
        ("customDetectionRuleName", "custom_detection_rule_name", K),
    )),
    # resource: what the finding is about
    Field("resource.resourceType", f"{RES}.type", K),
    *_under("resource.accessKeyDetails", f"{RES}.access_key_details", (
        ("accessKeyId", "accesskey_id", K),
        ("principalId", "principal_id", K),
        ("userName", "user.name", K),
        ("userType", "user.type", K),
    )),
    *_under("resource.s3BucketDetails", f"{RES}.s3_bucket_details", (
        ("", "", O),
        ("arn", "arn", K),
        ("name", "name", K),
        ("type", "type", K),
        ("createdAt", "created_at", T),
        ("owner.id", "owner.id", K),
        *TAGS,
        ("defaultServerSideEncryption.encryptionType", "default_server_side_encryption.encryption_type", K),
        ("defaultServerSideEncryption.kmsMasterKeyArn", "default_server_side_encryption.kms_masterkey_arn", K),
        ("publicAccess", "public_access", F),
        ("s3ObjectDetails", "s3_object_details", O),
        ("s3ObjectDetails.objectArn", "s3_object_details.object_arn", K),
        ("s3ObjectDetails.key", "s3_object_details.key", K),
        ("s3ObjectDetails.eTag", "s3_object_details.e_tag", K),
        ("s3ObjectDetails.hash", "s3_object_details.hash", K),
        ("s3ObjectDetails.versionId", "s3_object_details.version_id", K),
    )),
    *_under("resource.instanceDetails", f"{RES}.instance_details", (
        ("availabilityZone", "availability_zone", K),
        ("iamInstanceProfile.arn", "iaminstance_profile.arn", K),
        ("iamInstanceProfile.id", "iaminstance_profile.id", K),
        ("imageDescription", "image.description", K),
        ("imageId", "image.id", K),
        ("instanceId", "instance.id", K),
        ("instanceState", "instance.state", K),
        ("instanceType", "instance.type", K),
        ("outpostArn", "outpost_arn", K),
        ("launchTime", "launch_time", T),
        ("platform", "platform", K),
        ("networkInterfaces", "network_interfaces", O),
        ("networkInterfaces.ipv6Addresses", "network_interfaces.ipv6_addresses", IP),
        ("networkInterfaces.networkInterfaceId", "network_interfaces.network_interface_id", K),
        ("networkInterfaces.privateDnsName", "network_interfaces.private.dns_name", K),
        ("networkInterfaces.privateIpAddress", "network_interfaces.private.ip_address", IP),
        ("networkInterfaces.privateIpAddresses", "network_interfaces.private.ip_addresses", O),
        ("networkInterfaces.privateIpAddresses.privateDnsName",
         "network_interfaces.private.ip_addresses.private.dns_name", K),
        ("networkInterfaces.privateIpAddresses.privateIpAddress",
         "network_interfaces.private.ip_addresses.private.ip_address", IP),
        ("networkInterfaces.publicDnsName", "network_interfaces.public.dns_name", K),
        ("networkInterfaces.publicIp", "network_interfaces.public.ip", IP),
        ("networkInterfaces.securityGroups", "network_interfaces.security_groups", O),
        ("networkInterfaces.securityGroups.groupId", "network_interfaces.security_groups.group.id", K),
        ("networkInterfaces.securityGroups.groupName", "network_interfaces.security_groups.group.name", K),
        ("networkInterfaces.subnetId", "network_interfaces.subnet_id", K),
        ("networkInterfaces.vpcId", "network_interfaces.vpc_id", K),
        ("productCodes", "product_codes", O),
        ("productCodes.productCodeId", "product_codes.product_code.id", K),
        ("productCodes.productCodeType", "product_codes.product_code.type", K),
        *TAGS,
    )),
    *_under("resource.eksClusterDetails", f"{RES}.eks_cluster_details", (
        ("name", "name", K),
        ("arn", "arn", K),
        ("vpcId", "vpcid", K),
        ("status", "status", K),
        ("createdAt", "created_at", T),
        *TAGS,
    )),
    *_under("resource.kubernetesDetails.kubernetesUserDetails", f"{RES}.kubernetes_details.kubernetes_user_details", (
        ("username", "user_name", K),
        ("uid", "uid", K),
        ("groups", "groups", K),
        ("sessionName", "session_name", K),
        ("impersonatedUser.username", "impersonated_user.user_name", K),
        ("impersonatedUser.groups", "impersonated_user.groups", K),
    )),
    *_under("resource.kubernetesDetails.kubernetesWorkloadDetails",
            f"{RES}.kubernetes_details.kubernetes_workload_details", (
        ("name", "name", K),
        ("type", "type", K),
        ("uid", "uid", K),
        ("namespace", "name_space", K),
        ("serviceAccountName", "service_account_name", K),
        ("hostNetwork", "host_network", B),
        ("hostIPC", "host_ipc", B),
        ("hostPID", "host_pid", B),
        ("containers", "containers", O),
        *_nested("containers", "containers", CONTAINER),
        *VOLUMES,
    )),
    *_under("resource.ebsVolumeDetails", f"{RES}.ebs_volume_details", (
        ("scannedVolumeDetails", "scanned_volume_details", O),
        *_nested("scannedVolumeDetails", "scanned_volume_details", EBS_VOLUME),
        ("skippedVolumeDetails", "skipped_volume_details", O),
        *_nested("skippedVolumeDetails", "skipped_volume_details", EBS_VOLUME),
    )),
    *_under("resource.ecsClusterDetails", f"{RES}.ecs_cluster_details", (
        ("name", "name", K),
        ("arn", "arn", K),
        ("status", "status", K),
        ("activeServicesCount", "active_services_count", L),
        ("registeredContainerInstancesCount", "registered_container_instances_count", L),
        ("runningTasksCount", "running_tasks_count", L),
        *TAGS,
    )),
    *_under("resource.ecsClusterDetails.taskDetails", f"{RES}.ecs_cluster_details.task_details", (
        ("arn", "arn", K),
        ("definitionArn", "definitionarn", K),
        ("version", "version", K),
        ("createdAt", "created_at", T),
        ("startedAt", "started_at", T),
        ("startedBy", "started_by", K),
        ("group", "group", K),
        ("launchType", "launch_type", K),
        *TAGS,
        *VOLUMES,
        ("containers", "containers", O),
        *_nested("containers", "containers", CONTAINER),
    )),
    *_under("resource.containerDetails", f"{RES}.container_details", CONTAINER),
    *_under("resource.lambdaDetails", f"{RES}.lambda_details", (
        ("functionArn", "function_arn", K),
        ("functionName", "function_name", K),
        ("description", "description", K),
        ("lastModifiedAt", "last_modified_at", T),
        ("revisionId", "revision_id", K),
        ("functionVersion", "function_version", K),
        ("role", "role", K),
        ("vpcConfig.subnetIds", "vpc_config.subnet_ids", K),
        ("vpcConfig.vpcId", "vpc_config.vpc_id", K),
        ("vpcConfig.securityGroups", "vpc_config.security_groups", O),
        ("vpcConfig.securityGroups.groupId", "vpc_config.security_groups.group.id", K),
        ("vpcConfig.securityGroups.groupName", "vpc_config.security_groups.group.name", K),
        *TAGS,
    )),
    *_under("resource.rdsDbInstanceDetails", f"{RES}.rdsdb_instance_details", (
        ("dbInstanceIdentifier", "instance_identifier", K),
        ("engine", "engine", K),
        ("engineVersion", "engine_version", K),
        ("dbClusterIdentifier", "cluster_identifier", K),
        ("dbInstanceArn", "instance_arn", K),
        ("dbiResourceId", "dbi_resource_id", K),
        *TAGS,
    )),
    *_under("resource.rdsLimitlessDbDetails", f"{RES}.rds_limitless_db_details", (
        ("dbShardGroupIdentifier", "db_shard_group_identifier", K),
        ("dbShardGroupResourceId", "db_shard_group_resource_id", K),
        ("dbShardGroupArn", "db_shard_group_arn", K),
        ("engine", "engine", K),
        ("engineVersion", "engine_version", K),
        ("dbClusterIdentifier", "db_cluster_identifier", K),
        *TAGS,
    )),
    *_under("resource.rdsDbUserDetails", f"{RES}.rdsdb_user_details", (
        ("user", "user", K),
        ("application", "application", K),
        ("database", "database", K),
        ("ssl", "ssl", K),
        ("authMethod", "auth_method", K),
    )),
    Field("resource.ebsSnapshotDetails.snapshotArn", f"{RES}.ebs_snapshot_details.snapshot_arn", K),
    Field("resource.ec2ImageDetails.imageArn", f"{RES}.ec2_image_details.image_arn", K),
    *_under("resource.recoveryPointDetails", f"{RES}.recovery_point_details", (
        ("recoveryPointArn", "recovery_point_arn", K),
        ("backupVaultName", "backup_vault_name", K),
        ("continuousScanDetails.startTime", "continuous_scan_details.start_time", T),
        ("continuousScanDetails.endTime", "continuous_scan_details.end_time", T),
    )),
    # Bedrock guardrail findings are new and nested several levels deep: kept whole, still searchable.
    Field("resource.bedrockGuardrailDetails", f"{RES}.bedrock_guardrail_details", F),
    Field("resource.modelDetails", f"{RES}.model_details", O),
    Field("resource.modelDetails.modelId", f"{RES}.model_details.model_id", K),
    # service.action: what was observed
    Field("service.action.actionType", f"{ACT}.type", K),
    *_under("service.action.awsApiCallAction", f"{ACT}.aws_api_call_action", (
        ("api", "api", K),
        ("callerType", "caller_type", K),
        ("domainDetails.domain", "domain_details.domain", K),
        ("errorCode", "error_code", K),
        ("userAgent", "user_agent", K),
        ("serviceName", "service_name", K),
        ("remoteAccountDetails.accountId", "remote_account_details.account_id", K),
        ("remoteAccountDetails.affiliated", "remote_account_details.affiliated", B),
        ("remoteAccountDetails.awsServiceName", "remote_account_details.aws_service_name", K),
        ("affectedResources", "affected_resources", F),
        *_nested("remoteIpDetails", "remote_ip_details", REMOTE_IP),
    )),
    *_under("service.action.dnsRequestAction", f"{ACT}.dns_request_action", (
        ("domain", "domain", K),
        ("protocol", "protocol", K),
        ("blocked", "blocked", B),
        ("domainWithSuffix", "domain_with_suffix", K),
        ("vpcOwnerAccountId", "vpc_owner_account_id", K),
    )),
    *_under("service.action.networkConnectionAction", f"{ACT}.network_connection_action", (
        ("blocked", "blocked", B),
        ("connectionDirection", "connection_direction", K),
        ("protocol", "transport", K),
        ("localIpDetails.ipAddressV4", "local_ip_details.ip_address_v4", IP),
        ("localIpDetails.ipAddressV6", "local_ip_details.ip_address_v6", IP),
        ("localNetworkInterface", "local_network_interface", K),
        ("localPortDetails.port", "local_port_details.port.value", L),
        ("localPortDetails.portName", "local_port_details.port.name", K),
        ("remotePortDetails.port", "remote_port_details.port.value", L),
        ("remotePortDetails.portName", "remote_port_details.port.name", K),
        *_nested("remoteIpDetails", "remote_ip_details", REMOTE_IP),
    )),
    *_under("service.action.portProbeAction", f"{ACT}.port_probe_action", (
        ("blocked", "blocked", B),
        ("portProbeDetails", "port_probe_details", O),
        ("portProbeDetails.localPortDetails.port", "port_probe_details.local_port_details.port.value", L),
        ("portProbeDetails.localPortDetails.portName", "port_probe_details.local_port_details.port.name", K),
        ("portProbeDetails.localIpDetails.ipAddressV4", "port_probe_details.local_ip_details.ip_address_v4", IP),
        ("portProbeDetails.localIpDetails.ipAddressV6", "port_probe_details.local_ip_details.ip_address_v6", IP),
        *_nested("portProbeDetails.remoteIpDetails", "port_probe_details.remote_ip_details", REMOTE_IP),
    )),
    *_under("service.action.kubernetesApiCallAction", f"{ACT}.kubernetes_api_call_action", (
        ("requestUri", "request_uri", K),
        ("verb", "verb", K),
        ("resource", "resource", K),
        ("subresource", "subresource", K),
        ("namespace", "namespace", K),
        ("resourceName", "resource_name", K),
        ("sourceIPs", "source_ips", IP),
        ("userAgent", "user_agent", K),
        ("statusCode", "status_code", L),
        ("parameters", "parameters", K),
        *_nested("remoteIpDetails", "remote_ip_details", REMOTE_IP),
    )),
    *_under("service.action.kubernetesPermissionCheckedDetails", f"{ACT}.kubernetes_permission_checked_details", (
        ("verb", "verb", K),
        ("resource", "resource", K),
        ("namespace", "namespace", K),
        ("allowed", "allowed", B),
    )),
    *_under("service.action.kubernetesRoleBindingDetails", f"{ACT}.kubernetes_role_binding_details", (
        ("kind", "kind", K),
        ("name", "name", K),
        ("uid", "uid", K),
        ("roleRefName", "role_ref_name", K),
        ("roleRefKind", "role_ref_kind", K),
    )),
    *_under("service.action.kubernetesRoleDetails", f"{ACT}.kubernetes_role_details", (
        ("kind", "kind", K),
        ("name", "name", K),
        ("uid", "uid", K),
    )),
    *_under("service.action.rdsLoginAttemptAction", f"{ACT}.rds_login_attempt_action", (
        *_nested("remoteIpDetails", "remote_ip_details", REMOTE_IP),
        # AWS's model really spells this one with a capital L.
        ("LoginAttributes", "login_attributes", O),
        ("LoginAttributes.user", "login_attributes.user", K),
        ("LoginAttributes.application", "login_attributes.application", K),
        ("LoginAttributes.failedLoginAttempts", "login_attributes.failed_login_attempts", L),
        ("LoginAttributes.successfulLoginAttempts", "login_attributes.successful_login_attempts", L),
    )),
    # service: the finding's bookkeeping and evidence
    *_under("service", SVC, (
        ("archived", "archived", B),
        ("count", "count", L),
        ("detectorId", "detector_id", K),
        ("eventFirstSeen", "event.first_seen", T),
        ("eventLastSeen", "event.last_seen", T),
        ("resourceRole", "resource_role", K),
        ("serviceName", "service_name", K),
        ("userFeedback", "user_feedback", K),
        ("featureName", "feature_name", K),
        # Export files expand additionalInfo into arbitrary keys (unusualBehavior, threatListName, …).
        ("additionalInfo", "additional_info", F),
        # Attack-sequence and anomaly detections nest actors/resources/signals many levels deep.
        ("detection", "detection", F),
        ("evidence.threatIntelligenceDetails", "evidence.threat_intelligence_details", O),
        ("evidence.threatIntelligenceDetails.threatListName", "evidence.threat_intelligence_details.threat.list_name", K),
        ("evidence.threatIntelligenceDetails.threatNames", "evidence.threat_intelligence_details.threat.names", K),
        ("evidence.threatIntelligenceDetails.threatFileSha256",
         "evidence.threat_intelligence_details.threat.file_sha256", K),
    )),
    *_under("service.ebsVolumeScanDetails", f"{SVC}.ebs_volume_scan_details", (
        ("scanId", "scan.id", K),
        ("scanStartedAt", "scan.started_at", T),
        ("scanCompletedAt", "scan.completed_at", T),
        ("scanType", "scan.type", K),
        ("triggerFindingId", "trigger_finding_id", K),
        ("sources", "sources", K),
    )),
    *_under("service.ebsVolumeScanDetails.scanDetections", f"{SVC}.ebs_volume_scan_details.scan.detections", (
        ("scannedItemCount.totalGb", "scanned_item_count.total_gb", L),
        ("scannedItemCount.files", "scanned_item_count.files", L),
        ("scannedItemCount.volumes", "scanned_item_count.volumes", L),
        ("threatsDetectedItemCount.files", "threats_detected_item_count.files", L),
        ("highestSeverityThreatDetails.severity", "highest_severity_threat_details.severity", K),
        ("highestSeverityThreatDetails.threatName", "highest_severity_threat_details.threat_name", K),
        ("highestSeverityThreatDetails.count", "highest_severity_threat_details.count", L),
        ("threatDetectedByName.itemCount", "threat_detected_by_name.item_count", L),
        ("threatDetectedByName.uniqueThreatNameCount", "threat_detected_by_name.unique_threat_name_count", L),
        ("threatDetectedByName.shortened", "threat_detected_by_name.shortened", B),
        ("threatDetectedByName.threatNames", "threat_detected_by_name.threat_names", O),
        ("threatDetectedByName.threatNames.name", "threat_detected_by_name.threat_names.name", K),
        ("threatDetectedByName.threatNames.severity", "threat_detected_by_name.threat_names.severity", K),
        ("threatDetectedByName.threatNames.itemCount", "threat_detected_by_name.threat_names.item_count", L),
        ("threatDetectedByName.threatNames.filePaths", "threat_detected_by_name.threat_names.file_paths", O),
        ("threatDetectedByName.threatNames.filePaths.filePath",
         "threat_detected_by_name.threat_names.file_paths.file.path", K),
        ("threatDetectedByName.threatNames.filePaths.fileName",
         "threat_detected_by_name.threat_names.file_paths.file.name", K),
        ("threatDetectedByName.threatNames.filePaths.volumeArn",
         "threat_detected_by_name.threat_names.file_paths.volume_arn", K),
        ("threatDetectedByName.threatNames.filePaths.hash", "threat_detected_by_name.threat_names.file_paths.hash", K),
    )),
    *_under("service.runtimeDetails", f"{SVC}.runtime_details", (
        *_nested("process", "process", PROCESS),
    )),
    *_under("service.runtimeDetails.context", f"{SVC}.runtime_details.context", (
        *_nested("modifyingProcess", "modifying_process", PROCESS),
        *_nested("targetProcess", "target_process", PROCESS),
        ("modifiedAt", "modified_at", T),
        ("scriptPath", "script_path", K),
        ("libraryPath", "library_path", K),
        ("ldPreloadValue", "ld_preload", K),
        ("socketPath", "socket_path", K),
        ("runcBinaryPath", "runc_binary_path", K),
        ("releaseAgentPath", "release_agent_path", K),
        ("mountSource", "mount_source", K),
        ("mountTarget", "mount_target", K),
        ("fileSystemType", "file_system_type", K),
        ("flags", "flags", K),
        ("moduleName", "module_name", K),
        ("moduleFilePath", "module_file_path", K),
        ("moduleSha256", "module_sha256", K),
        ("shellHistoryFilePath", "shell_history_file_path", K),
        ("addressFamily", "address_family", K),
        ("ianaProtocolNumber", "iana_protocol_number", K),
        ("memoryRegions", "memory_regions", K),
        ("toolName", "tool_name", K),
        ("toolCategory", "tool_category", K),
        ("serviceName", "service_name", K),
        ("commandLineExample", "command_line_example", K),
        ("threatFilePath", "threat_file_path", K),
        ("fileOperation", "file_operation", K),
        ("filePath", "file_path", K),
        ("relatedFilePaths", "related_file_paths", K),
    )),
    *_under("service.malwareScanDetails", f"{SVC}.malware_scan_details", (
        ("scanId", "scan_id", K),
        ("scanType", "scan_type", K),
        ("scanCategory", "scan_category", K),
        ("scanConfiguration.triggerType", "scan_configuration.trigger_type", K),
        ("scanConfiguration.incrementalScanDetails.baselineResourceArn",
         "scan_configuration.incremental_scan_details.baseline_resource_arn", K),
        ("uniqueThreatCount", "unique_threat_count", L),
        ("threats", "threats", O),
        ("threats.name", "threats.name", K),
        ("threats.source", "threats.source", K),
        ("threats.count", "threats.count", L),
        ("threats.hash", "threats.hash", K),
        ("threats.itemPaths", "threats.item_paths", O),
        ("threats.itemPaths.nestedItemPath", "threats.item_paths.nested_item_path", K),
        ("threats.itemPaths.hash", "threats.item_paths.hash", K),
        ("threats.itemDetails", "threats.item_details", O),
        ("threats.itemDetails.resourceArn", "threats.item_details.resource_arn", K),
        ("threats.itemDetails.itemPath", "threats.item_details.item_path", K),
        ("threats.itemDetails.hash", "threats.item_details.hash", K),
        ("threats.itemDetails.additionalInfo.versionId", "threats.item_details.additional_info.version_id", K),
        ("threats.itemDetails.additionalInfo.deviceName", "threats.item_details.additional_info.device_name", K),
    )),
)

EXACT: tuple[Field, ...] = tuple(f for f in _ROWS if f.type != O)
# Lists of objects: native name → exact counterpart (a list of objects in the document too).
LISTS: dict[str, str] = {f.native: f.ecs for f in _ROWS if f.type == O and f.native}

# Natives that AWS documents as lists of strings; a list anywhere else is an error, not a value.
LIST_VALUED: frozenset[str] = frozenset({
    "resource.instanceDetails.networkInterfaces.ipv6Addresses",
    "resource.kubernetesDetails.kubernetesUserDetails.groups",
    "resource.kubernetesDetails.kubernetesUserDetails.sessionName",
    "resource.kubernetesDetails.kubernetesUserDetails.impersonatedUser.groups",
    "resource.lambdaDetails.vpcConfig.subnetIds",
    "service.action.kubernetesApiCallAction.sourceIPs",
    "service.evidence.threatIntelligenceDetails.threatNames",
    "service.ebsVolumeScanDetails.sources",
    "service.runtimeDetails.context.flags",
    "service.runtimeDetails.context.memoryRegions",
    "service.runtimeDetails.context.relatedFilePaths",
})
