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

from normalizer.fieldmap import BOOLEAN, DATE, DOUBLE, FLATTENED, IP, KEYWORD, LONG, OBJECT, TEXT, Field

Rows = tuple[tuple[str, str, str], ...]


def _under(native: str, ecs: str, rows: Rows) -> tuple[Field, ...]:
    """Rows relative to a native and an ECS prefix, so the table reads like the AWS docs."""
    return tuple(Field(_join(native, nat), _join(ecs, e), typ) for nat, e, typ in rows)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix and name else prefix or name


def _nested(native: str, ecs: str, rows: Rows) -> Rows:
    """The same rows one level down (`volumeMounts.name` under `containers`)."""
    return tuple((f"{native}.{n}", f"{ecs}.{e}", t) for n, e, t in rows)


TAGS: Rows = (("tags", "tags", OBJECT), ("tags.key", "tags.key", KEYWORD),
              ("tags.value", "tags.value", KEYWORD))

REMOTE_IP: Rows = (
    ("city.cityName", "city.name", KEYWORD),
    ("country.countryCode", "country.code", KEYWORD),
    ("country.countryName", "country.name", KEYWORD),
    ("geoLocation.lat", "geo_location.lat", DOUBLE),
    ("geoLocation.lon", "geo_location.lon", DOUBLE),
    ("ipAddressV4", "ip_address_v4", IP),
    ("ipAddressV6", "ip_address_v6", IP),
    ("organization.asn", "organization.asn", KEYWORD),
    ("organization.asnOrg", "organization.asnorg", KEYWORD),
    ("organization.isp", "organization.isp", KEYWORD),
    ("organization.org", "organization.org", KEYWORD),
)

CONTAINER: Rows = (
    ("containerRuntime", "container_runtime", KEYWORD),
    ("id", "id", KEYWORD),
    ("name", "name", KEYWORD),
    ("image", "image.value", KEYWORD),
    ("imagePrefix", "image.prefix", KEYWORD),
    ("volumeMounts", "volume_mounts", OBJECT),
    ("volumeMounts.name", "volume_mounts.name", KEYWORD),
    ("volumeMounts.mountPath", "volume_mounts.mount_path", KEYWORD),
    ("securityContext.privileged", "security_context.privileged", BOOLEAN),
    ("securityContext.allowPrivilegeEscalation", "security_context.allow_privilege_escalation", BOOLEAN),
)

VOLUMES: Rows = (("volumes", "volumes", OBJECT), ("volumes.name", "volumes.name", KEYWORD),
                 ("volumes.hostPath.path", "volumes.host_path.path", KEYWORD))

PROCESS_FIELDS: Rows = (
    ("name", "name", KEYWORD),
    ("executablePath", "executable_path", KEYWORD),
    ("namespacePid", "namespace_pid", LONG),
    ("pid", "pid", LONG),
    ("startTime", "start_time", DATE),
    ("uuid", "uuid", KEYWORD),
    ("parentUuid", "parent_uuid", KEYWORD),
    ("userId", "user_id", LONG),
    ("euid", "euid", LONG),
)
PROCESS: Rows = (
    *PROCESS_FIELDS,
    ("executableSha256", "executable_sha256", KEYWORD),
    ("pwd", "pwd", KEYWORD),
    ("user", "user", KEYWORD),
    ("lineage", "lineage", OBJECT),
    *((f"lineage.{n}", f"lineage.{e}", t) for n, e, t in PROCESS_FIELDS),
)

EBS_VOLUME: Rows = (
    ("volumeArn", "volume.arn", KEYWORD),
    ("volumeType", "volume.type", KEYWORD),
    ("deviceName", "device_name", KEYWORD),
    ("volumeSizeInGB", "volume.size_in_gb", LONG),
    ("encryptionType", "encryption_type", KEYWORD),
    ("snapshotArn", "snapshot_arn", KEYWORD),
    ("kmsKeyArn", "kmskey_arn", KEYWORD),
)


GD = "aws.guardduty"
RES = f"{GD}.resource"
SVC = f"{GD}.service"
ACT = f"{SVC}.action"

_ROWS: tuple[Field, ...] = (
    *_under("", GD, (
        ("accountId", "account_id", KEYWORD),
        ("arn", "arn", KEYWORD),
        ("confidence", "confidence", DOUBLE),
        ("createdAt", "created_at", DATE),
        ("description", "description", TEXT),
        ("id", "id", KEYWORD),
        ("partition", "partition", KEYWORD),
        ("region", "region", KEYWORD),
        ("schemaVersion", "schema_version", KEYWORD),
        ("severity", "severity.code", DOUBLE),
        ("title", "title", KEYWORD),
        ("type", "type", KEYWORD),
        ("updatedAt", "updated_at", DATE),
        ("associatedAttackSequenceArn", "associated_attack_sequence_arn", KEYWORD),
        ("customDetectionRuleName", "custom_detection_rule_name", KEYWORD),
    )),
    # resource: what the finding is about
    Field("resource.resourceType", f"{RES}.type", KEYWORD),
    *_under("resource.accessKeyDetails", f"{RES}.access_key_details", (
        ("accessKeyId", "accesskey_id", KEYWORD),
        ("principalId", "principal_id", KEYWORD),
        ("userName", "user.name", KEYWORD),
        ("userType", "user.type", KEYWORD),
    )),
    *_under("resource.s3BucketDetails", f"{RES}.s3_bucket_details", (
        ("", "", OBJECT),
        ("arn", "arn", KEYWORD),
        ("name", "name", KEYWORD),
        ("type", "type", KEYWORD),
        ("createdAt", "created_at", DATE),
        ("owner.id", "owner.id", KEYWORD),
        *TAGS,
        ("defaultServerSideEncryption.encryptionType",
         "default_server_side_encryption.encryption_type", KEYWORD),
        ("defaultServerSideEncryption.kmsMasterKeyArn",
         "default_server_side_encryption.kms_masterkey_arn", KEYWORD),
        ("publicAccess", "public_access", FLATTENED),
        ("s3ObjectDetails", "s3_object_details", OBJECT),
        ("s3ObjectDetails.objectArn", "s3_object_details.object_arn", KEYWORD),
        ("s3ObjectDetails.key", "s3_object_details.key", KEYWORD),
        ("s3ObjectDetails.eTag", "s3_object_details.e_tag", KEYWORD),
        ("s3ObjectDetails.hash", "s3_object_details.hash", KEYWORD),
        ("s3ObjectDetails.versionId", "s3_object_details.version_id", KEYWORD),
    )),
    *_under("resource.instanceDetails", f"{RES}.instance_details", (
        ("availabilityZone", "availability_zone", KEYWORD),
        ("iamInstanceProfile.arn", "iaminstance_profile.arn", KEYWORD),
        ("iamInstanceProfile.id", "iaminstance_profile.id", KEYWORD),
        ("imageDescription", "image.description", KEYWORD),
        ("imageId", "image.id", KEYWORD),
        ("instanceId", "instance.id", KEYWORD),
        ("instanceState", "instance.state", KEYWORD),
        ("instanceType", "instance.type", KEYWORD),
        ("outpostArn", "outpost_arn", KEYWORD),
        ("launchTime", "launch_time", DATE),
        ("platform", "platform", KEYWORD),
        ("networkInterfaces", "network_interfaces", OBJECT),
        ("networkInterfaces.ipv6Addresses", "network_interfaces.ipv6_addresses", IP),
        ("networkInterfaces.networkInterfaceId", "network_interfaces.network_interface_id", KEYWORD),
        ("networkInterfaces.privateDnsName", "network_interfaces.private.dns_name", KEYWORD),
        ("networkInterfaces.privateIpAddress", "network_interfaces.private.ip_address", IP),
        ("networkInterfaces.privateIpAddresses", "network_interfaces.private.ip_addresses", OBJECT),
        ("networkInterfaces.privateIpAddresses.privateDnsName",
         "network_interfaces.private.ip_addresses.private.dns_name", KEYWORD),
        ("networkInterfaces.privateIpAddresses.privateIpAddress",
         "network_interfaces.private.ip_addresses.private.ip_address", IP),
        ("networkInterfaces.publicDnsName", "network_interfaces.public.dns_name", KEYWORD),
        ("networkInterfaces.publicIp", "network_interfaces.public.ip", IP),
        ("networkInterfaces.securityGroups", "network_interfaces.security_groups", OBJECT),
        ("networkInterfaces.securityGroups.groupId", "network_interfaces.security_groups.group.id", KEYWORD),
        ("networkInterfaces.securityGroups.groupName",
         "network_interfaces.security_groups.group.name", KEYWORD),
        ("networkInterfaces.subnetId", "network_interfaces.subnet_id", KEYWORD),
        ("networkInterfaces.vpcId", "network_interfaces.vpc_id", KEYWORD),
        ("productCodes", "product_codes", OBJECT),
        ("productCodes.productCodeId", "product_codes.product_code.id", KEYWORD),
        ("productCodes.productCodeType", "product_codes.product_code.type", KEYWORD),
        *TAGS,
    )),
    *_under("resource.eksClusterDetails", f"{RES}.eks_cluster_details", (
        ("name", "name", KEYWORD),
        ("arn", "arn", KEYWORD),
        ("vpcId", "vpcid", KEYWORD),
        ("status", "status", KEYWORD),
        ("createdAt", "created_at", DATE),
        *TAGS,
    )),
    *_under("resource.kubernetesDetails.kubernetesUserDetails", f"{RES}.kubernetes_details.kubernetes_user_details", (
        ("username", "user_name", KEYWORD),
        ("uid", "uid", KEYWORD),
        ("groups", "groups", KEYWORD),
        ("sessionName", "session_name", KEYWORD),
        ("impersonatedUser.username", "impersonated_user.user_name", KEYWORD),
        ("impersonatedUser.groups", "impersonated_user.groups", KEYWORD),
    )),
    *_under("resource.kubernetesDetails.kubernetesWorkloadDetails",
            f"{RES}.kubernetes_details.kubernetes_workload_details", (
        ("name", "name", KEYWORD),
        ("type", "type", KEYWORD),
        ("uid", "uid", KEYWORD),
        ("namespace", "name_space", KEYWORD),
        ("serviceAccountName", "service_account_name", KEYWORD),
        ("hostNetwork", "host_network", BOOLEAN),
        ("hostIPC", "host_ipc", BOOLEAN),
        ("hostPID", "host_pid", BOOLEAN),
        ("containers", "containers", OBJECT),
        *_nested("containers", "containers", CONTAINER),
        *VOLUMES,
    )),
    *_under("resource.ebsVolumeDetails", f"{RES}.ebs_volume_details", (
        ("scannedVolumeDetails", "scanned_volume_details", OBJECT),
        *_nested("scannedVolumeDetails", "scanned_volume_details", EBS_VOLUME),
        ("skippedVolumeDetails", "skipped_volume_details", OBJECT),
        *_nested("skippedVolumeDetails", "skipped_volume_details", EBS_VOLUME),
    )),
    *_under("resource.ecsClusterDetails", f"{RES}.ecs_cluster_details", (
        ("name", "name", KEYWORD),
        ("arn", "arn", KEYWORD),
        ("status", "status", KEYWORD),
        ("activeServicesCount", "active_services_count", LONG),
        ("registeredContainerInstancesCount", "registered_container_instances_count", LONG),
        ("runningTasksCount", "running_tasks_count", LONG),
        *TAGS,
    )),
    *_under("resource.ecsClusterDetails.taskDetails", f"{RES}.ecs_cluster_details.task_details", (
        ("arn", "arn", KEYWORD),
        ("definitionArn", "definitionarn", KEYWORD),
        ("version", "version", KEYWORD),
        ("createdAt", "created_at", DATE),
        ("startedAt", "started_at", DATE),
        ("startedBy", "started_by", KEYWORD),
        ("group", "group", KEYWORD),
        ("launchType", "launch_type", KEYWORD),
        *TAGS,
        *VOLUMES,
        ("containers", "containers", OBJECT),
        *_nested("containers", "containers", CONTAINER),
    )),
    *_under("resource.containerDetails", f"{RES}.container_details", CONTAINER),
    *_under("resource.lambdaDetails", f"{RES}.lambda_details", (
        ("functionArn", "function_arn", KEYWORD),
        ("functionName", "function_name", KEYWORD),
        ("description", "description", KEYWORD),
        ("lastModifiedAt", "last_modified_at", DATE),
        ("revisionId", "revision_id", KEYWORD),
        ("functionVersion", "function_version", KEYWORD),
        ("role", "role", KEYWORD),
        ("vpcConfig.subnetIds", "vpc_config.subnet_ids", KEYWORD),
        ("vpcConfig.vpcId", "vpc_config.vpc_id", KEYWORD),
        ("vpcConfig.securityGroups", "vpc_config.security_groups", OBJECT),
        ("vpcConfig.securityGroups.groupId", "vpc_config.security_groups.group.id", KEYWORD),
        ("vpcConfig.securityGroups.groupName", "vpc_config.security_groups.group.name", KEYWORD),
        *TAGS,
    )),
    *_under("resource.rdsDbInstanceDetails", f"{RES}.rdsdb_instance_details", (
        ("dbInstanceIdentifier", "instance_identifier", KEYWORD),
        ("engine", "engine", KEYWORD),
        ("engineVersion", "engine_version", KEYWORD),
        ("dbClusterIdentifier", "cluster_identifier", KEYWORD),
        ("dbInstanceArn", "instance_arn", KEYWORD),
        ("dbiResourceId", "dbi_resource_id", KEYWORD),
        *TAGS,
    )),
    *_under("resource.rdsLimitlessDbDetails", f"{RES}.rds_limitless_db_details", (
        ("dbShardGroupIdentifier", "db_shard_group_identifier", KEYWORD),
        ("dbShardGroupResourceId", "db_shard_group_resource_id", KEYWORD),
        ("dbShardGroupArn", "db_shard_group_arn", KEYWORD),
        ("engine", "engine", KEYWORD),
        ("engineVersion", "engine_version", KEYWORD),
        ("dbClusterIdentifier", "db_cluster_identifier", KEYWORD),
        *TAGS,
    )),
    *_under("resource.rdsDbUserDetails", f"{RES}.rdsdb_user_details", (
        ("user", "user", KEYWORD),
        ("application", "application", KEYWORD),
        ("database", "database", KEYWORD),
        ("ssl", "ssl", KEYWORD),
        ("authMethod", "auth_method", KEYWORD),
    )),
    Field("resource.ebsSnapshotDetails.snapshotArn", f"{RES}.ebs_snapshot_details.snapshot_arn", KEYWORD),
    Field("resource.ec2ImageDetails.imageArn", f"{RES}.ec2_image_details.image_arn", KEYWORD),
    *_under("resource.recoveryPointDetails", f"{RES}.recovery_point_details", (
        ("recoveryPointArn", "recovery_point_arn", KEYWORD),
        ("backupVaultName", "backup_vault_name", KEYWORD),
        ("continuousScanDetails.startTime", "continuous_scan_details.start_time", DATE),
        ("continuousScanDetails.endTime", "continuous_scan_details.end_time", DATE),
    )),
    # Bedrock guardrail findings are new and nested several levels deep: kept whole, still searchable.
    Field("resource.bedrockGuardrailDetails", f"{RES}.bedrock_guardrail_details", FLATTENED),
    Field("resource.modelDetails", f"{RES}.model_details", OBJECT),
    Field("resource.modelDetails.modelId", f"{RES}.model_details.model_id", KEYWORD),
    # service.action: what was observed
    Field("service.action.actionType", f"{ACT}.type", KEYWORD),
    *_under("service.action.awsApiCallAction", f"{ACT}.aws_api_call_action", (
        ("api", "api", KEYWORD),
        ("callerType", "caller_type", KEYWORD),
        ("domainDetails.domain", "domain_details.domain", KEYWORD),
        ("errorCode", "error_code", KEYWORD),
        ("userAgent", "user_agent", KEYWORD),
        ("serviceName", "service_name", KEYWORD),
        ("remoteAccountDetails.accountId", "remote_account_details.account_id", KEYWORD),
        ("remoteAccountDetails.affiliated", "remote_account_details.affiliated", BOOLEAN),
        ("remoteAccountDetails.awsServiceName", "remote_account_details.aws_service_name", KEYWORD),
        ("affectedResources", "affected_resources", FLATTENED),
        *_nested("remoteIpDetails", "remote_ip_details", REMOTE_IP),
    )),
    *_under("service.action.dnsRequestAction", f"{ACT}.dns_request_action", (
        ("domain", "domain", KEYWORD),
        ("protocol", "protocol", KEYWORD),
        ("blocked", "blocked", BOOLEAN),
        ("domainWithSuffix", "domain_with_suffix", KEYWORD),
        ("vpcOwnerAccountId", "vpc_owner_account_id", KEYWORD),
    )),
    *_under("service.action.networkConnectionAction", f"{ACT}.network_connection_action", (
        ("blocked", "blocked", BOOLEAN),
        ("connectionDirection", "connection_direction", KEYWORD),
        ("protocol", "transport", KEYWORD),
        ("localIpDetails.ipAddressV4", "local_ip_details.ip_address_v4", IP),
        ("localIpDetails.ipAddressV6", "local_ip_details.ip_address_v6", IP),
        ("localNetworkInterface", "local_network_interface", KEYWORD),
        ("localPortDetails.port", "local_port_details.port.value", LONG),
        ("localPortDetails.portName", "local_port_details.port.name", KEYWORD),
        ("remotePortDetails.port", "remote_port_details.port.value", LONG),
        ("remotePortDetails.portName", "remote_port_details.port.name", KEYWORD),
        *_nested("remoteIpDetails", "remote_ip_details", REMOTE_IP),
    )),
    *_under("service.action.portProbeAction", f"{ACT}.port_probe_action", (
        ("blocked", "blocked", BOOLEAN),
        ("portProbeDetails", "port_probe_details", OBJECT),
        ("portProbeDetails.localPortDetails.port", "port_probe_details.local_port_details.port.value", LONG),
        ("portProbeDetails.localPortDetails.portName",
         "port_probe_details.local_port_details.port.name", KEYWORD),
        ("portProbeDetails.localIpDetails.ipAddressV4",
         "port_probe_details.local_ip_details.ip_address_v4", IP),
        ("portProbeDetails.localIpDetails.ipAddressV6",
         "port_probe_details.local_ip_details.ip_address_v6", IP),
        *_nested("portProbeDetails.remoteIpDetails", "port_probe_details.remote_ip_details", REMOTE_IP),
    )),
    *_under("service.action.kubernetesApiCallAction", f"{ACT}.kubernetes_api_call_action", (
        ("requestUri", "request_uri", KEYWORD),
        ("verb", "verb", KEYWORD),
        ("resource", "resource", KEYWORD),
        ("subresource", "subresource", KEYWORD),
        ("namespace", "namespace", KEYWORD),
        ("resourceName", "resource_name", KEYWORD),
        ("sourceIPs", "source_ips", IP),
        ("userAgent", "user_agent", KEYWORD),
        ("statusCode", "status_code", LONG),
        ("parameters", "parameters", KEYWORD),
        *_nested("remoteIpDetails", "remote_ip_details", REMOTE_IP),
    )),
    *_under("service.action.kubernetesPermissionCheckedDetails", f"{ACT}.kubernetes_permission_checked_details", (
        ("verb", "verb", KEYWORD),
        ("resource", "resource", KEYWORD),
        ("namespace", "namespace", KEYWORD),
        ("allowed", "allowed", BOOLEAN),
    )),
    *_under("service.action.kubernetesRoleBindingDetails", f"{ACT}.kubernetes_role_binding_details", (
        ("kind", "kind", KEYWORD),
        ("name", "name", KEYWORD),
        ("uid", "uid", KEYWORD),
        ("roleRefName", "role_ref_name", KEYWORD),
        ("roleRefKind", "role_ref_kind", KEYWORD),
    )),
    *_under("service.action.kubernetesRoleDetails", f"{ACT}.kubernetes_role_details", (
        ("kind", "kind", KEYWORD),
        ("name", "name", KEYWORD),
        ("uid", "uid", KEYWORD),
    )),
    *_under("service.action.rdsLoginAttemptAction", f"{ACT}.rds_login_attempt_action", (
        *_nested("remoteIpDetails", "remote_ip_details", REMOTE_IP),
        # AWS's model really spells this one with a capital L.
        ("LoginAttributes", "login_attributes", OBJECT),
        ("LoginAttributes.user", "login_attributes.user", KEYWORD),
        ("LoginAttributes.application", "login_attributes.application", KEYWORD),
        ("LoginAttributes.failedLoginAttempts", "login_attributes.failed_login_attempts", LONG),
        ("LoginAttributes.successfulLoginAttempts", "login_attributes.successful_login_attempts", LONG),
    )),
    # service: the finding's bookkeeping and evidence
    *_under("service", SVC, (
        ("archived", "archived", BOOLEAN),
        ("count", "count", LONG),
        ("detectorId", "detector_id", KEYWORD),
        ("eventFirstSeen", "event.first_seen", DATE),
        ("eventLastSeen", "event.last_seen", DATE),
        ("resourceRole", "resource_role", KEYWORD),
        ("serviceName", "service_name", KEYWORD),
        ("userFeedback", "user_feedback", KEYWORD),
        ("featureName", "feature_name", KEYWORD),
        # Export files expand additionalInfo into arbitrary keys (unusualBehavior, threatListName, …).
        ("additionalInfo", "additional_info", FLATTENED),
        # Attack-sequence and anomaly detections nest actors/resources/signals many levels deep.
        ("detection", "detection", FLATTENED),
        ("evidence.threatIntelligenceDetails", "evidence.threat_intelligence_details", OBJECT),
        ("evidence.threatIntelligenceDetails.threatListName",
         "evidence.threat_intelligence_details.threat.list_name", KEYWORD),
        ("evidence.threatIntelligenceDetails.threatNames",
         "evidence.threat_intelligence_details.threat.names", KEYWORD),
        ("evidence.threatIntelligenceDetails.threatFileSha256",
         "evidence.threat_intelligence_details.threat.file_sha256", KEYWORD),
    )),
    *_under("service.ebsVolumeScanDetails", f"{SVC}.ebs_volume_scan_details", (
        ("scanId", "scan.id", KEYWORD),
        ("scanStartedAt", "scan.started_at", DATE),
        ("scanCompletedAt", "scan.completed_at", DATE),
        ("scanType", "scan.type", KEYWORD),
        ("triggerFindingId", "trigger_finding_id", KEYWORD),
        ("sources", "sources", KEYWORD),
    )),
    *_under("service.ebsVolumeScanDetails.scanDetections", f"{SVC}.ebs_volume_scan_details.scan.detections", (
        ("scannedItemCount.totalGb", "scanned_item_count.total_gb", LONG),
        ("scannedItemCount.files", "scanned_item_count.files", LONG),
        ("scannedItemCount.volumes", "scanned_item_count.volumes", LONG),
        ("threatsDetectedItemCount.files", "threats_detected_item_count.files", LONG),
        ("highestSeverityThreatDetails.severity", "highest_severity_threat_details.severity", KEYWORD),
        ("highestSeverityThreatDetails.threatName", "highest_severity_threat_details.threat_name", KEYWORD),
        ("highestSeverityThreatDetails.count", "highest_severity_threat_details.count", LONG),
        ("threatDetectedByName.itemCount", "threat_detected_by_name.item_count", LONG),
        ("threatDetectedByName.uniqueThreatNameCount",
         "threat_detected_by_name.unique_threat_name_count", LONG),
        ("threatDetectedByName.shortened", "threat_detected_by_name.shortened", BOOLEAN),
        ("threatDetectedByName.threatNames", "threat_detected_by_name.threat_names", OBJECT),
        ("threatDetectedByName.threatNames.name", "threat_detected_by_name.threat_names.name", KEYWORD),
        ("threatDetectedByName.threatNames.severity",
         "threat_detected_by_name.threat_names.severity", KEYWORD),
        ("threatDetectedByName.threatNames.itemCount",
         "threat_detected_by_name.threat_names.item_count", LONG),
        ("threatDetectedByName.threatNames.filePaths",
         "threat_detected_by_name.threat_names.file_paths", OBJECT),
        ("threatDetectedByName.threatNames.filePaths.filePath",
         "threat_detected_by_name.threat_names.file_paths.file.path", KEYWORD),
        ("threatDetectedByName.threatNames.filePaths.fileName",
         "threat_detected_by_name.threat_names.file_paths.file.name", KEYWORD),
        ("threatDetectedByName.threatNames.filePaths.volumeArn",
         "threat_detected_by_name.threat_names.file_paths.volume_arn", KEYWORD),
        ("threatDetectedByName.threatNames.filePaths.hash",
         "threat_detected_by_name.threat_names.file_paths.hash", KEYWORD),
    )),
    *_under("service.runtimeDetails", f"{SVC}.runtime_details", (
        *_nested("process", "process", PROCESS),
    )),
    *_under("service.runtimeDetails.context", f"{SVC}.runtime_details.context", (
        *_nested("modifyingProcess", "modifying_process", PROCESS),
        *_nested("targetProcess", "target_process", PROCESS),
        ("modifiedAt", "modified_at", DATE),
        ("scriptPath", "script_path", KEYWORD),
        ("libraryPath", "library_path", KEYWORD),
        ("ldPreloadValue", "ld_preload", KEYWORD),
        ("socketPath", "socket_path", KEYWORD),
        ("runcBinaryPath", "runc_binary_path", KEYWORD),
        ("releaseAgentPath", "release_agent_path", KEYWORD),
        ("mountSource", "mount_source", KEYWORD),
        ("mountTarget", "mount_target", KEYWORD),
        ("fileSystemType", "file_system_type", KEYWORD),
        ("flags", "flags", KEYWORD),
        ("moduleName", "module_name", KEYWORD),
        ("moduleFilePath", "module_file_path", KEYWORD),
        ("moduleSha256", "module_sha256", KEYWORD),
        ("shellHistoryFilePath", "shell_history_file_path", KEYWORD),
        ("addressFamily", "address_family", KEYWORD),
        ("ianaProtocolNumber", "iana_protocol_number", KEYWORD),
        ("memoryRegions", "memory_regions", KEYWORD),
        ("toolName", "tool_name", KEYWORD),
        ("toolCategory", "tool_category", KEYWORD),
        ("serviceName", "service_name", KEYWORD),
        ("commandLineExample", "command_line_example", KEYWORD),
        ("threatFilePath", "threat_file_path", KEYWORD),
        ("fileOperation", "file_operation", KEYWORD),
        ("filePath", "file_path", KEYWORD),
        ("relatedFilePaths", "related_file_paths", KEYWORD),
    )),
    *_under("service.malwareScanDetails", f"{SVC}.malware_scan_details", (
        ("scanId", "scan_id", KEYWORD),
        ("scanType", "scan_type", KEYWORD),
        ("scanCategory", "scan_category", KEYWORD),
        ("scanConfiguration.triggerType", "scan_configuration.trigger_type", KEYWORD),
        ("scanConfiguration.incrementalScanDetails.baselineResourceArn",
         "scan_configuration.incremental_scan_details.baseline_resource_arn", KEYWORD),
        ("uniqueThreatCount", "unique_threat_count", LONG),
        ("threats", "threats", OBJECT),
        ("threats.name", "threats.name", KEYWORD),
        ("threats.source", "threats.source", KEYWORD),
        ("threats.count", "threats.count", LONG),
        ("threats.hash", "threats.hash", KEYWORD),
        ("threats.itemPaths", "threats.item_paths", OBJECT),
        ("threats.itemPaths.nestedItemPath", "threats.item_paths.nested_item_path", KEYWORD),
        ("threats.itemPaths.hash", "threats.item_paths.hash", KEYWORD),
        ("threats.itemDetails", "threats.item_details", OBJECT),
        ("threats.itemDetails.resourceArn", "threats.item_details.resource_arn", KEYWORD),
        ("threats.itemDetails.itemPath", "threats.item_details.item_path", KEYWORD),
        ("threats.itemDetails.hash", "threats.item_details.hash", KEYWORD),
        ("threats.itemDetails.additionalInfo.versionId",
         "threats.item_details.additional_info.version_id", KEYWORD),
        ("threats.itemDetails.additionalInfo.deviceName",
         "threats.item_details.additional_info.device_name", KEYWORD),
    )),
)

EXACT: tuple[Field, ...] = tuple(f for f in _ROWS if f.type != OBJECT)
# Lists of objects: native name → exact counterpart (a list of objects in the document too).
LISTS: dict[str, str] = {f.native: f.ecs for f in _ROWS if f.type == OBJECT and f.native}

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
