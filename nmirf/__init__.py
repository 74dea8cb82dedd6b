"""OpenNMIRF: the open information system of a National Mechanism for Implementation,
Reporting and Follow-up of human rights recommendations."""
