//! CIS AWS Foundations: routing tables for VPC peering are least access. Manual: cisrun
//! lists every peering connection and every route to one, with what it opens.

use std::collections::BTreeMap;
use std::net::IpAddr;

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::ec2::{
    peering_connections, route_tables_by_region, PeeringConnection, RouteTable,
    DESCRIBE_ROUTE_TABLES, DESCRIBE_VPC_PEERING_CONNECTIONS,
};
use crate::evidence::ManualEvidence;
use crate::regions::DESCRIBE_REGIONS;

cisrun_core::control! {
    /// ## Description
    /// A VPC peering connection carries traffic only where route tables send it. Those
    /// routes can be as narrow as one host of the peer VPC: make each as narrow as its
    /// purpose allows.
    ///
    /// ## Rationale
    /// Narrow peering routes limit what a breach on one side can reach on the other:
    /// resources outside the routes are unreachable from the peer.
    ///
    /// ## Impact
    /// Narrowing a route cuts traffic to the addresses it no longer covers; check what uses
    /// the peering first (VPC flow logs show it).
    ///
    /// ## Audit
    /// Manual: whether a route is wider than needed depends on what the peering is for.
    /// cisrun reports this recommendation as skipped (manual) with the evidence a reviewer
    /// needs, read in every region enabled for the account (`ec2:DescribeVpcPeeringConnections`
    /// and `ec2:DescribeRouteTables`, once per region):
    ///
    /// - every peering connection, its status and the two VPCs (account, region, CIDR
    ///   blocks) it joins;
    /// - every route that targets a peering connection: its route table, VPC, main table or
    ///   associated subnets, destination and state, and what it opens on the other side.
    ///   A route whose destination covers a whole CIDR block of the peer VPC (or more) is
    ///   flagged `REVIEW`: it routes all of that VPC, the case the text asks to question;
    ///   a narrower route says which part of the peer it reaches.
    /// - A peering connection that no route table uses is listed as such.
    /// - A region that cannot be read makes the result an **error** naming the region and
    ///   the action; the evidence of the other regions is still listed.
    ///
    /// By hand: `aws ec2 describe-route-tables --filter Name=vpc-id,Values=<vpc-id>` and look
    /// for routes whose target is a `pcx-` connection.
    ///
    /// ## Remediation
    /// Replace a wide peering route by the narrowest destinations the peering needs:
    /// `aws ec2 delete-route --route-table-id <rtb-id> --destination-cidr-block <wide-cidr>`,
    /// then `aws ec2 create-route --route-table-id <rtb-id> --destination-cidr-block <narrow-cidr> --vpc-peering-connection-id <pcx-id>`.
    /// cisrun does not change routes: it cannot know which traffic the peering must carry.
    ///
    /// ## Default value
    /// A new peering connection has no routes; whoever adds them chooses their width.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/peering/peering-configurations-partial-access.html
    /// - https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html
    pub struct VpcPeeringLeastAccess {
        id: "aws-ec2-vpc-peering-least-access",
        title: "Ensure routing tables for VPC peering are \"least access\"",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_VPC_PEERING_CONNECTIONS, DESCRIBE_ROUTE_TABLES],
    }
}

/// An IPv4 or IPv6 CIDR block as (IPv6?, address in the top bits of 128, prefix length).
fn parse_cidr(cidr: &str) -> Option<(bool, u128, u32)> {
    let (address, length) = cidr.split_once('/')?;
    let length: u32 = length.parse().ok()?;
    match address.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) if length <= 32 => Some((false, u128::from(u32::from(v4)) << 96, length)),
        IpAddr::V6(v6) if length <= 128 => Some((true, u128::from(v6), length)),
        _ => None,
    }
}

/// Whether the block `outer` contains all of `inner`.
fn covers(outer: &str, inner: &str) -> bool {
    let (Some((v6_a, a, len_a)), Some((v6_b, b, len_b))) = (parse_cidr(outer), parse_cidr(inner))
    else {
        return false;
    };
    if v6_a != v6_b || len_a > len_b {
        return false;
    }
    // IPv4 addresses sit in the top 32 bits, so both families mask from the left.
    let mask = if len_a == 0 {
        0
    } else {
        u128::MAX << (128 - len_a)
    };
    (a & mask) == (b & mask)
}

/// What a route to `connection` opens of the peer of `vpc`.
fn reach(destination: &str, vpc: Option<&str>, connection: Option<&PeeringConnection>) -> String {
    let Some(connection) = connection else {
        return "the peering connection is not listed in this region".to_string();
    };
    let peer = vpc.map_or(&connection.accepter, |vpc| connection.peer_of(vpc));
    let whole: Vec<&str> = peer
        .cidr_blocks
        .iter()
        .filter(|block| covers(destination, block))
        .map(String::as_str)
        .collect();
    if !whole.is_empty() {
        format!(
            "REVIEW: covers all of peer {} ({})",
            peer.label(),
            whole.join(", ")
        )
    } else if peer
        .cidr_blocks
        .iter()
        .any(|block| covers(block, destination))
    {
        format!(
            "part of peer {} ({})",
            peer.label(),
            peer.cidr_blocks.join(", ")
        )
    } else {
        format!(
            "outside the peer's CIDR blocks ({}: {})",
            peer.label(),
            peer.cidr_blocks.join(", ")
        )
    }
}

/// Where a route table applies: the main table of its VPC and/or its subnets.
fn scope(table: &RouteTable) -> String {
    let mut scope = Vec::new();
    if table.main {
        scope.push("main route table".to_string());
    }
    if !table.subnets.is_empty() {
        scope.push(format!("subnets {}", table.subnets.join(", ")));
    }
    if scope.is_empty() {
        scope.push("no subnet associated".to_string());
    }
    scope.join("; ")
}

fn arn(account: &AwsAccount, region: &str, kind: &str, id: &str) -> String {
    format!(
        "arn:{}:ec2:{region}:{}:{kind}/{id}",
        account.partition, account.account_id
    )
}

#[async_trait]
impl Audit for VpcPeeringLeastAccess {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let (connections, tables) = futures::join!(
            peering_connections(account),
            route_tables_by_region(account)
        );
        let (connections, tables) = (connections?, tables?);
        let mut evidence = ManualEvidence::new();
        let (mut peerings, mut routes, mut wide) = (0, 0, 0);
        for region_connections in &connections {
            let region = region_connections.region.as_str();
            let region_tables = tables.iter().find(|t| t.region == region).map(|t| &t.data);
            let (connections, tables) = match (&region_connections.data, region_tables) {
                (Ok(connections), Some(Ok(tables))) => (connections, tables),
                (Err(error), _) | (_, Some(Err(error))) => {
                    evidence.unread_region(region, error);
                    continue;
                }
                // Both listings cover the same regions.
                (Ok(_), None) => continue,
            };
            let by_id: BTreeMap<&str, &PeeringConnection> =
                connections.iter().map(|c| (c.id.as_str(), c)).collect();
            let mut used: BTreeMap<&str, usize> = BTreeMap::new();
            for table in tables.iter() {
                for route in &table.routes {
                    let Some(pcx) = route.peering_connection.as_deref() else {
                        continue;
                    };
                    routes += 1;
                    *used.entry(pcx).or_default() += 1;
                    let reach = reach(
                        &route.destination,
                        table.vpc_id.as_deref(),
                        by_id.get(pcx).copied(),
                    );
                    wide += usize::from(reach.starts_with("REVIEW"));
                    evidence.add(
                        arn(account, region, "route-table", &table.id),
                        Some(region),
                        format!(
                            "{} in {} ({}): {} -> {pcx} ({}): {reach}",
                            table.id,
                            table.vpc_id.as_deref().unwrap_or("no VPC"),
                            scope(table),
                            route.destination,
                            route.state.as_deref().unwrap_or("no state"),
                        ),
                    );
                }
            }
            for connection in connections.iter() {
                peerings += 1;
                let routed = used.get(connection.id.as_str()).copied().unwrap_or(0);
                let side = |peer: &crate::data::ec2::PeerVpc| {
                    format!("{} [{}]", peer.label(), peer.cidr_blocks.join(", "))
                };
                evidence.add(
                    arn(account, region, "vpc-peering-connection", &connection.id),
                    Some(region),
                    format!(
                        "{} ({}): requester {} <-> accepter {}; {}",
                        connection.id,
                        connection.status,
                        side(&connection.requester),
                        side(&connection.accepter),
                        match routed {
                            0 => "no route in this region's route tables uses it".to_string(),
                            n => format!("{n} route(s) in this region use it"),
                        }
                    ),
                );
            }
        }
        let summary = if peerings == 0 && routes == 0 {
            "no VPC peering connections or peering routes".to_string()
        } else {
            format!(
                "{peerings} peering connection(s), {routes} route(s) to them, {wide} covering \
                 a whole peer VPC CIDR block (marked REVIEW)"
            )
        };
        Ok(evidence.outcome(summary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_cover_is_read_by_prefix_for_each_family() {
        assert!(covers("10.1.0.0/16", "10.1.0.0/16"));
        assert!(covers("10.0.0.0/8", "10.1.0.0/16"));
        assert!(covers("0.0.0.0/0", "10.1.0.0/16"));
        assert!(!covers("10.1.2.0/24", "10.1.0.0/16"));
        assert!(covers("10.1.0.0/16", "10.1.2.0/24"));
        assert!(!covers("10.2.0.0/16", "10.1.0.0/16"));
        assert!(covers("2600:1f18::/40", "2600:1f18:aa::/56"));
        assert!(!covers("10.0.0.0/8", "2600:1f18::/56"));
        assert!(!covers("not a cidr", "10.0.0.0/8"));
        assert!(!covers("10.0.0.0/33", "10.0.0.0/8"));
    }
}
