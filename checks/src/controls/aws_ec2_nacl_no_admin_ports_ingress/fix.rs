//! The fix: delete each inbound entry the audit names, one call per entry; rollback
//! creates each again with its rule number and everything else EC2 returned.

use async_trait::async_trait;
use cisrun_core::{FixSafety, Input, Plan, Remediation, RemediationError, Step};
use serde::{Deserialize, Serialize};

use crate::account::AwsAccount;
use crate::data::ec2::network_acls::{
    create_entry, delete_entry, open_entries, read_all_network_acls, read_network_acls,
    NetworkAclEntry, CREATE_NETWORK_ACL_ENTRY, DELETE_NETWORK_ACL_ENTRY, DESCRIBE_NETWORK_ACLS,
};
use crate::data::ec2::open_ingress::{ports_text, AdminPorts};

/// The fix.
pub(super) struct DeleteOpenEntries;

pub(super) static NACL_FIX: DeleteOpenEntries = DeleteOpenEntries;

/// A step's data: the ACL, where it is, and the entry it deletes as EC2 returned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct EntryStep {
    region: String,
    network_acl_id: String,
    #[serde(default)]
    vpc_id: Option<String>,
    entry: NetworkAclEntry,
}

fn step_data(step: &Step) -> Result<EntryStep, RemediationError> {
    let data: EntryStep = step.data_as()?;
    // Only inbound entries are this fix's to delete or create.
    if data.entry.egress {
        return Err(RemediationError::Refused(format!(
            "entry {} of {} is outbound: not one this fix changes",
            data.entry.rule_number, data.network_acl_id
        )));
    }
    Ok(data)
}

#[async_trait]
impl Remediation<AwsAccount, AdminPorts> for DeleteOpenEntries {
    fn safety(&self) -> FixSafety {
        // Every subnet of the ACL loses that inbound traffic, the default ACL's all of it.
        FixSafety::Unsafe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[
            DESCRIBE_NETWORK_ACLS,
            DELETE_NETWORK_ACL_ENTRY,
            CREATE_NETWORK_ACL_ENTRY,
        ]
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        input: Input<'_, AdminPorts>,
    ) -> Result<Plan, RemediationError> {
        let ports = input.parameters.judged();
        let mut steps = Vec::new();
        for region in read_all_network_acls(account).await? {
            // A region the fix cannot read is not one it may change blindly.
            let acls = region.data?;
            for acl in acls.iter() {
                for open in open_entries(acl, &ports) {
                    steps.push(Step {
                        action: DELETE_NETWORK_ACL_ENTRY.to_string(),
                        resource: acl.arn.clone(),
                        summary: format!(
                            "delete inbound entry {} of {} in {}: {}",
                            open.entry.rule_number,
                            acl.label(),
                            region.region,
                            open.summary()
                        ),
                        data: serde_json::to_value(EntryStep {
                            region: region.region.clone(),
                            network_acl_id: acl.id.clone(),
                            vpc_id: acl.vpc_id.clone(),
                            entry: open.entry,
                        })
                        .map_err(|e| RemediationError::Refused(e.to_string()))?,
                    });
                }
            }
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do(format!(
                "already compliant: no network ACL allows 0.0.0.0/0 or ::/0 in to {}",
                ports_text(&ports)
            )));
        }
        let explanation = format!(
            "delete {} inbound network ACL entry(ies) that allow the internet in to {}; the \
             subnets of each ACL lose that traffic",
            steps.len(),
            ports_text(&ports)
        );
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        let data = step_data(step)?;
        // Read afresh: the cached audit listing predates the change.
        let acls = read_network_acls(account, &data.region, Some(&data.network_acl_id)).await?;
        let inbound: Vec<&NetworkAclEntry> = acls.iter().flat_map(|acl| acl.inbound()).collect();
        Ok(serde_json::json!({
            "network_acl": data.network_acl_id,
            "exists": !acls.is_empty(),
            "inbound": inbound,
        }))
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data = step_data(step)?;
        delete_entry(account, &data.region, &data.network_acl_id, &data.entry).await?;
        Ok(())
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data = step_data(step)?;
        create_entry(account, &data.region, &data.network_acl_id, &data.entry).await?;
        Ok(())
    }
}
