//! API Gateway: the REST APIs (v1) and HTTP and WebSocket APIs (v2) of each region, with the
//! access-log destination of each stage.
//!
//! [`rest_apis`] lists a region's REST APIs with every page of `GetRestApis`, then each
//! API's stages with `GetStages` (`accessLogSettings.destinationArn`); [`v2_apis`] does the
//! same with the v2 `GetApis` and `GetStages` (`AccessLogSettings.DestinationArn`). Each
//! listing is read once per region and run, each API's stages once per API and run. An API
//! whose stages cannot be read keeps its error ([`Api::stages`]); a region whose listing
//! cannot be read is that region's error.
//!
//! IAM authorizes every one of these reads as `apigateway:GET` on the resource's path
//! (`/restapis`, `/restapis/<id>/stages`, `/apis`, `/apis/<id>/stages`), so that is the one
//! action named ([`GET`]); errors say which operation failed.

use std::sync::Arc;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::future::join_all;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

crate::regional_client!(aws_sdk_apigateway => "apigateway");
crate::regional_client!(aws_sdk_apigatewayv2 => "apigateway");

/// The IAM action of every API Gateway read (v1 and v2): `GetRestApis`, `GetApis` and both
/// `GetStages`.
pub const GET: &str = "apigateway:GET";

/// Which kind of API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKind {
    /// A REST API (API Gateway v1).
    Rest,
    Http,
    WebSocket,
    /// A v2 protocol this version of cisrun does not know.
    Other(String),
}

impl ApiKind {
    /// `REST API`, `HTTP API`, `WebSocket API`.
    pub fn label(&self) -> String {
        match self {
            Self::Rest => "REST API".to_string(),
            Self::Http => "HTTP API".to_string(),
            Self::WebSocket => "WebSocket API".to_string(),
            Self::Other(other) => format!("{other} API"),
        }
    }
}

/// One stage of an API and where its access logs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: String,
    /// The access-log destination (a log group or Firehose stream ARN); `None`: no access
    /// logging.
    pub access_log_destination: Option<String>,
}

/// What the web front-end control reads of one API.
#[derive(Debug, Clone)]
pub struct Api {
    pub id: String,
    pub name: String,
    pub kind: ApiKind,
    /// `arn:<partition>:apigateway:<region>::/restapis/<id>` (or `/apis/<id>`).
    pub arn: String,
    /// REST APIs: `EDGE`, `REGIONAL`, `PRIVATE`.
    pub endpoint_types: Vec<String>,
    /// Its stages, or why they could not be read.
    pub stages: Result<Vec<Stage>, AwsError>,
}

impl Api {
    /// The ARN of one of its stages.
    pub fn stage_arn(&self, stage: &str) -> String {
        format!("{}/stages/{stage}", self.arn)
    }
}

/// An API as a listing gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    id: String,
    name: String,
    kind: ApiKind,
    arn: String,
    endpoint_types: Vec<String>,
}

/// One region's REST APIs.
struct RestListing(Vec<Listed>);
/// One region's HTTP and WebSocket APIs.
struct V2Listing(Vec<Listed>);

const REST: DataKey<RestListing> = DataKey::new(GET);
const V2: DataKey<V2Listing> = DataKey::new(GET);
/// One API's stages, scoped by the API's ARN.
const STAGES: DataKey<Vec<Stage>> = DataKey::new(GET);

/// `apigateway:GET` failed, saying which operation.
fn failed<E>(operation: &str, error: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut error = AwsError::from_sdk(GET, error);
    error.message = format!("{operation}: {}", error.message);
    error
}

fn api_arn(account: &AwsAccount, region: &str, path: &str, id: &str) -> String {
    format!(
        "arn:{}:apigateway:{region}::/{path}/{id}",
        account.partition
    )
}

async fn read_rest(account: &AwsAccount, region: &str) -> Result<RestListing, AwsError> {
    let client = &account.client::<aws_sdk_apigateway::Client>(region);
    let apis = read_pages(account.max_pages(), GET, |position| async move {
        let out = client
            .get_rest_apis()
            .set_position(position)
            .send()
            .await
            .map_err(|e| failed("GetRestApis", e))?;
        Ok(Page::new(out.items().to_vec(), out.position()))
    })
    .await?;
    Ok(RestListing(
        apis.iter()
            .filter_map(|api| {
                let id = api.id()?.to_string();
                Some(Listed {
                    arn: api_arn(account, region, "restapis", &id),
                    id,
                    name: api.name().unwrap_or_default().to_string(),
                    kind: ApiKind::Rest,
                    endpoint_types: api
                        .endpoint_configuration()
                        .map(|c| c.types().iter().map(|t| t.as_str().to_string()).collect())
                        .unwrap_or_default(),
                })
            })
            .collect(),
    ))
}

async fn read_v2(account: &AwsAccount, region: &str) -> Result<V2Listing, AwsError> {
    let client = &account.client::<aws_sdk_apigatewayv2::Client>(region);
    let apis = read_pages(account.max_pages(), GET, |token| async move {
        let out = client
            .get_apis()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| failed("GetApis", e))?;
        Ok(Page::new(out.items().to_vec(), out.next_token()))
    })
    .await?;
    Ok(V2Listing(
        apis.iter()
            .filter_map(|api| {
                let id = api.api_id()?.to_string();
                Some(Listed {
                    arn: api_arn(account, region, "apis", &id),
                    id,
                    name: api.name().unwrap_or_default().to_string(),
                    kind: match api.protocol_type().map(|p| p.as_str()) {
                        Some("HTTP") => ApiKind::Http,
                        Some("WEBSOCKET") => ApiKind::WebSocket,
                        Some(other) => ApiKind::Other(other.to_string()),
                        None => ApiKind::Other("unknown".to_string()),
                    },
                    endpoint_types: Vec::new(),
                })
            })
            .collect(),
    ))
}

/// A destination as AWS gives it: absent or empty is none.
fn destination(arn: Option<&str>) -> Option<String> {
    arn.filter(|a| !a.is_empty()).map(str::to_string)
}

async fn read_rest_stages(
    account: &AwsAccount,
    region: &str,
    api_id: &str,
) -> Result<Vec<Stage>, AwsError> {
    let client = &account.client::<aws_sdk_apigateway::Client>(region);
    // `GetStages` of a REST API has no pages; read as a one-page listing all the same.
    read_pages(account.max_pages(), GET, |_| async move {
        let out = client
            .get_stages()
            .rest_api_id(api_id)
            .send()
            .await
            .map_err(|e| failed("GetStages", e))?;
        Ok(Page::new(
            out.item()
                .iter()
                .map(|s| Stage {
                    name: s.stage_name().unwrap_or_default().to_string(),
                    access_log_destination: destination(
                        s.access_log_settings().and_then(|l| l.destination_arn()),
                    ),
                })
                .collect(),
            None,
        ))
    })
    .await
}

async fn read_v2_stages(
    account: &AwsAccount,
    region: &str,
    api_id: &str,
) -> Result<Vec<Stage>, AwsError> {
    let client = &account.client::<aws_sdk_apigatewayv2::Client>(region);
    read_pages(account.max_pages(), GET, |token| async move {
        let out = client
            .get_stages()
            .api_id(api_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| failed("GetStages", e))?;
        Ok(Page::new(
            out.items()
                .iter()
                .map(|s| Stage {
                    name: s.stage_name().unwrap_or_default().to_string(),
                    access_log_destination: destination(
                        s.access_log_settings().and_then(|l| l.destination_arn()),
                    ),
                })
                .collect(),
            out.next_token(),
        ))
    })
    .await
}

/// Each region's listing, joined with the stages of what it lists (read once per API).
async fn joined<T>(
    account: &AwsAccount,
    regions: Vec<InRegion<T>>,
    listed: impl Fn(&T) -> &[Listed],
) -> Vec<InRegion<Vec<Api>>> {
    let listed = &listed;
    join_all(regions.into_iter().map(|in_region| async move {
        let region = in_region.region.as_str();
        let data = match &in_region.data {
            Ok(listing) => Ok(Arc::new(
                join_all(listed(listing).iter().map(|api| async move {
                    let stages = account
                        .fetch_limited(&STAGES, &api.arn, || async {
                            match api.kind {
                                ApiKind::Rest => read_rest_stages(account, region, &api.id).await,
                                _ => read_v2_stages(account, region, &api.id).await,
                            }
                        })
                        .await
                        .map(Arc::unwrap_or_clone);
                    Api {
                        id: api.id.clone(),
                        name: api.name.clone(),
                        kind: api.kind.clone(),
                        arn: api.arn.clone(),
                        endpoint_types: api.endpoint_types.clone(),
                        stages,
                    }
                }))
                .await,
            )),
            Err(error) => Err(error.clone()),
        };
        InRegion {
            region: in_region.region.clone(),
            data,
        }
    }))
    .await
}

/// The REST APIs of every region, with their stages.
pub async fn rest_apis(account: &AwsAccount) -> Result<Vec<InRegion<Vec<Api>>>, AwsError> {
    let listed = account
        .in_each_region(
            &REST,
            |region| async move { read_rest(account, &region).await },
        )
        .await?;
    Ok(joined(account, listed, |l: &RestListing| &l.0).await)
}

/// The HTTP and WebSocket APIs of every region, with their stages.
pub async fn v2_apis(account: &AwsAccount) -> Result<Vec<InRegion<Vec<Api>>>, AwsError> {
    let listed = account
        .in_each_region(&V2, |region| async move { read_v2(account, &region).await })
        .await?;
    Ok(joined(account, listed, |l: &V2Listing| &l.0).await)
}
