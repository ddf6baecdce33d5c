//! Address families and the whole-internet sources the network controls look for, shared by
//! security groups, network ACLs and prefix lists.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

/// IPv4 or IPv6: the two controls on open administration ports are told apart by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressFamily {
    Ipv4,
    Ipv6,
}

impl AddressFamily {
    /// Every address of the family, as the benchmark writes it.
    pub fn everywhere(self) -> &'static str {
        match self {
            AddressFamily::Ipv4 => "0.0.0.0/0",
            AddressFamily::Ipv6 => "::/0",
        }
    }
}

/// The family `cidr` covers entirely, when it covers every address of one: `0.0.0.0/0` or
/// `::/0`, however the address is written (prefix length 0 is every address).
pub fn everywhere_in(cidr: &str) -> Option<AddressFamily> {
    let (address, length) = cidr.split_once('/')?;
    if length.parse::<u8>() != Ok(0) {
        return None;
    }
    if address.parse::<Ipv4Addr>().is_ok() {
        Some(AddressFamily::Ipv4)
    } else if address.parse::<Ipv6Addr>().is_ok() {
        Some(AddressFamily::Ipv6)
    } else {
        None
    }
}
