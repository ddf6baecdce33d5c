//! The fix: revoke, by rule id, the inbound rules that open port 445 to `0.0.0.0/0` or
//! `::/0`; rollback authorizes each again exactly.

use cisrun_core::NoParameters;

use crate::data::ec2::open_ingress::{RevokeOpenIngress, CIFS_PORT};

fn cifs_port(_: &NoParameters) -> Vec<u16> {
    vec![CIFS_PORT]
}

pub(super) static FIX: RevokeOpenIngress<NoParameters> = RevokeOpenIngress {
    families: super::FAMILIES,
    ports: cifs_port,
};
