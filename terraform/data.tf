data "oci_objectstorage_namespace" "this" {
  compartment_id = var.tenancy_ocid
}
