# The function runs in a private subnet. It reaches OCI APIs (Object Storage, Generative
# AI, Vault, Notifications) through a service gateway and the Hugging Face Hub through a
# NAT gateway; nothing can connect to it. Skipped entirely when existing_subnet_id is used.

data "oci_core_services" "all_oci_services" {
  count = var.create_network ? 1 : 0

  filter {
    name   = "name"
    values = ["All .* Services In Oracle Services Network"]
    regex  = true
  }
}

resource "oci_core_vcn" "this" {
  count = var.create_network ? 1 : 0

  compartment_id = var.compartment_ocid
  cidr_blocks    = [var.vcn_cidr]
  display_name   = "${var.name_prefix}-vcn"
  dns_label      = substr(replace(var.name_prefix, "-", ""), 0, 15)
  freeform_tags  = local.tags
}

# OCI gives every VCN a default security list that admits SSH from anywhere; take it over
# and leave it empty, since nothing in this VCN accepts connections.
resource "oci_core_default_security_list" "this" {
  count = var.create_network ? 1 : 0

  manage_default_resource_id = oci_core_vcn.this[0].default_security_list_id
  display_name               = "${var.name_prefix}-default-empty"
  freeform_tags              = local.tags
}

resource "oci_core_service_gateway" "this" {
  count = var.create_network ? 1 : 0

  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this[0].id
  display_name   = "${var.name_prefix}-sgw"
  freeform_tags  = local.tags

  services {
    service_id = data.oci_core_services.all_oci_services[0].services[0].id
  }
}

resource "oci_core_nat_gateway" "this" {
  count = var.create_network ? 1 : 0

  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this[0].id
  display_name   = "${var.name_prefix}-nat"
  freeform_tags  = local.tags
}

resource "oci_core_route_table" "functions" {
  count = var.create_network ? 1 : 0

  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this[0].id
  display_name   = "${var.name_prefix}-functions-rt"
  freeform_tags  = local.tags

  route_rules {
    description       = "OCI APIs through the service gateway"
    destination       = data.oci_core_services.all_oci_services[0].services[0].cidr_block
    destination_type  = "SERVICE_CIDR_BLOCK"
    network_entity_id = oci_core_service_gateway.this[0].id
  }

  route_rules {
    description       = "Hugging Face Hub (and any other internet endpoint) through the NAT gateway"
    destination       = "0.0.0.0/0"
    destination_type  = "CIDR_BLOCK"
    network_entity_id = oci_core_nat_gateway.this[0].id
  }
}

resource "oci_core_security_list" "functions" {
  count = var.create_network ? 1 : 0

  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this[0].id
  display_name   = "${var.name_prefix}-functions-egress"
  freeform_tags  = local.tags

  # HTTPS out only: OCI APIs and the Hub. The only ingress is ICMP "fragmentation needed"
  # (type 3, code 4) for path MTU discovery; no port is open to anyone.
  ingress_security_rules {
    description = "Path MTU discovery"
    source      = "0.0.0.0/0"
    source_type = "CIDR_BLOCK"
    protocol    = "1"
    stateless   = true

    icmp_options {
      type = 3
      code = 4
    }
  }

  egress_security_rules {
    description      = "HTTPS to OCI services"
    destination      = data.oci_core_services.all_oci_services[0].services[0].cidr_block
    destination_type = "SERVICE_CIDR_BLOCK"
    protocol         = "6"
    stateless        = false

    tcp_options {
      min = 443
      max = 443
    }
  }

  egress_security_rules {
    description      = "HTTPS to the internet through NAT (Hugging Face Hub)"
    destination      = "0.0.0.0/0"
    destination_type = "CIDR_BLOCK"
    protocol         = "6"
    stateless        = false

    tcp_options {
      min = 443
      max = 443
    }
  }
}

resource "oci_core_subnet" "functions" {
  count = var.create_network ? 1 : 0

  compartment_id             = var.compartment_ocid
  vcn_id                     = oci_core_vcn.this[0].id
  cidr_block                 = var.subnet_cidr
  display_name               = "${var.name_prefix}-functions"
  dns_label                  = "functions"
  prohibit_public_ip_on_vnic = true
  route_table_id             = oci_core_route_table.functions[0].id
  security_list_ids          = [oci_core_security_list.functions[0].id]
  freeform_tags              = local.tags
}
