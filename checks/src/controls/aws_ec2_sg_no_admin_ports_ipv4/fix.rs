//! The fix: revoke, by rule id, the inbound rules that open an administration port to
//! `0.0.0.0/0`; rollback authorizes each again exactly.

use crate::data::ec2::open_ingress::{AdminPorts, RevokeOpenIngress};

pub(super) static FIX: RevokeOpenIngress<AdminPorts> = RevokeOpenIngress {
    families: super::FAMILIES,
    ports: AdminPorts::judged,
};
