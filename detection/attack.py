"""A compact subset of MITRE ATT&CK (Enterprise) for tag checks and Kibana threat mappings.

A SUBSET, not the matrix: the 14 tactics and the techniques cloud rules use. It is embedded
because pySigma's own ATT&CK data is downloaded at run time, and rule checks must work offline.
Add a technique here (id and name from attack.mitre.org) when a rule needs it.
"""
from __future__ import annotations

# Sigma tag name (attack.<name>) → (tactic id, display name)
TACTICS: dict[str, tuple[str, str]] = {
    "reconnaissance": ("TA0043", "Reconnaissance"),
    "resource_development": ("TA0042", "Resource Development"),
    "initial_access": ("TA0001", "Initial Access"),
    "execution": ("TA0002", "Execution"),
    "persistence": ("TA0003", "Persistence"),
    "privilege_escalation": ("TA0004", "Privilege Escalation"),
    "defense_evasion": ("TA0005", "Defense Evasion"),
    "credential_access": ("TA0006", "Credential Access"),
    "discovery": ("TA0007", "Discovery"),
    "lateral_movement": ("TA0008", "Lateral Movement"),
    "collection": ("TA0009", "Collection"),
    "command_and_control": ("TA0011", "Command and Control"),
    "exfiltration": ("TA0010", "Exfiltration"),
    "impact": ("TA0040", "Impact"),
}

# Technique / sub-technique id → name.
TECHNIQUES: dict[str, str] = {
    "T1021": "Remote Services",
    "T1046": "Network Service Discovery",
    "T1059": "Command and Scripting Interpreter",
    "T1069": "Permission Groups Discovery",
    "T1071": "Application Layer Protocol",
    "T1071.004": "DNS",
    "T1078": "Valid Accounts",
    "T1078.004": "Cloud Accounts",
    "T1087": "Account Discovery",
    "T1098": "Account Manipulation",
    "T1098.001": "Additional Cloud Credentials",
    "T1110": "Brute Force",
    "T1110.001": "Password Guessing",
    "T1133": "External Remote Services",
    "T1136": "Create Account",
    "T1136.003": "Cloud Account",
    "T1190": "Exploit Public-Facing Application",
    "T1485": "Data Destruction",
    "T1496": "Resource Hijacking",
    "T1530": "Data from Cloud Storage",
    "T1562": "Impair Defenses",
    "T1562.001": "Disable or Modify Tools",
    "T1562.008": "Disable or Modify Cloud Logs",
    "T1568": "Dynamic Resolution",
    "T1568.002": "Domain Generation Algorithms",
    "T1580": "Cloud Infrastructure Discovery",
    "T1595": "Active Scanning",
    "T1595.001": "Scanning IP Blocks",
    "T1595.002": "Vulnerability Scanning",
}


def tactic(tag: str) -> tuple[str, str] | None:
    """(id, name) of an `attack.<tactic>` tag name, or None."""
    return TACTICS.get(tag.lower().replace("-", "_"))


def technique(tag: str) -> str | None:
    """The canonical id (T1078.004) of an `attack.t1078.004` tag name, if the table knows it."""
    ident = tag.upper()
    return ident if ident in TECHNIQUES else None


def is_group_or_software(tag: str) -> bool:
    """ATT&CK group (G0001) and software (S0001) tags: valid, but not mapped to Kibana's threat model."""
    return len(tag) == 5 and tag[0] in "gsGS" and tag[1:].isdigit()
