//! CIS AWS Foundations: AWS-managed web front-end services have access logging enabled.
//! Manual: cisrun lists every CloudFront distribution, load balancer and API Gateway stage
//! with where its access logs go, and marks those that log nowhere.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::apigateway::{rest_apis, v2_apis, Api, GET};
use crate::data::cloudfront::{
    cloudfront_region, distributions, Distribution, GET_DISTRIBUTION_CONFIG, LIST_DISTRIBUTIONS,
};
use crate::data::elb::{
    classic_load_balancers, v2_load_balancers, LoadBalancer, LoadBalancerKind,
    DESCRIBE_LOAD_BALANCERS, DESCRIBE_LOAD_BALANCER_ATTRIBUTES,
};
use crate::data::logs::{
    log_deliveries, LogDeliveries, DESCRIBE_DELIVERIES, DESCRIBE_DELIVERY_SOURCES,
};
use crate::evidence::ManualEvidence;
use crate::regions::{region_resource, InRegion, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// The web front-ends AWS runs for you (CloudFront distributions, Elastic Load
    /// Balancing load balancers and API Gateway APIs) can each record every request they
    /// receive: who asked, for what, when, from where, and what was answered. Turn that
    /// access logging on for each of them, to a destination you keep.
    ///
    /// ## Rationale
    /// The front-end is where requests from the internet arrive first. Its access logs are
    /// what an incident response reconstructs an attack from, what shows abuse (scanning,
    /// credential stuffing, data scraping) as it happens, and what audits of who reached an
    /// application rely on. A front-end without access logs leaves no trace of the requests
    /// it served, and logging cannot be turned on after the fact.
    ///
    /// ## Impact
    /// Logs cost storage (S3, CloudWatch Logs or Firehose) and, for CloudWatch Logs and
    /// Firehose destinations, ingestion. The destination needs a policy that lets the
    /// service write to it, a retention period, and protection of its own (who may read or
    /// delete the logs). Access logs are delivered best effort and with some delay; they are
    /// no substitute for CloudTrail, which records the management of these services.
    ///
    /// ## Audit
    /// Manual: which front-ends are in scope, and whether a destination is the right one, are
    /// judgements. cisrun reports this recommendation as skipped (manual) with the evidence,
    /// one line per resource:
    ///
    /// - **CloudFront** (global, read once in `us-east-1`, or `cn-northwest-1` in the China
    ///   partition, whatever regions the profile names): every distribution
    ///   (`cloudfront:ListDistributions`), its standard logging (`Logging` of
    ///   `cloudfront:GetDistributionConfig`: enabled, bucket, prefix), and its standard
    ///   logging v2: a CloudWatch Logs delivery source of log type `ACCESS_LOGS` naming the
    ///   distribution's ARN (`logs:DescribeDeliverySources`) with a delivery
    ///   (`logs:DescribeDeliveries`, both in `us-east-1`). The line says `logging ON` with
    ///   the bucket of standard logging, or the type (`S3`, `CWL`, `FH`) and ARN of the
    ///   delivery destination of logging v2 (`aws logs get-delivery-destination` shows the
    ///   bucket, log group or stream it names); or `NONE` when neither is set up, saying
    ///   so when a delivery source exists without a delivery.
    /// - **Load balancers**, in every region enabled for the account: classic ones
    ///   (`elasticloadbalancing:DescribeLoadBalancers`, then
    ///   `elasticloadbalancing:DescribeLoadBalancerAttributes`: `AccessLog.Enabled`,
    ///   `S3BucketName`) and application, network and gateway ones (the same two actions of
    ///   Elastic Load Balancing v2: `access_logs.s3.enabled`, `access_logs.s3.bucket`). The
    ///   line names the type and says `logging ON` with the bucket or `NONE`. Network load
    ///   balancers write access logs for their TLS listeners only, which their line says.
    ///   Gateway load balancers have no access logs: they are listed as `not applicable`,
    ///   and their attributes are not read.
    /// - **API Gateway**, in every region: one line per stage of each REST API
    ///   (`GetRestApis`, `GetStages`: `accessLogSettings.destinationArn`) and of each HTTP
    ///   or WebSocket API (`GetApis`, `GetStages` of v2: `AccessLogSettings.DestinationArn`),
    ///   all authorized as `apigateway:GET`. The line says `logging ON` with the destination
    ///   ARN or `NONE`. An API with no stage serves nothing: it is listed as
    ///   `not applicable`. Execution logging (a REST stage's `loggingLevel`) is not access
    ///   logging and does not count.
    /// - The summary counts the resources that can log access and those marked `NONE`.
    /// - A region, a listing or a resource that cannot be read makes the result an
    ///   **error**, with an error entry naming the region, the resource and the action; the
    ///   evidence of everything else is still listed. An unreadable listing is never shown
    ///   as "no resources".
    ///
    /// Then, for each front-end in scope marked `NONE`, decide whether it needs access logs
    /// (anything that serves traffic from outside usually does); for those logging, check
    /// that the destination is kept, retained and protected.
    ///
    /// ## Remediation
    /// cisrun has no fix for this recommendation: the destination of each front-end's logs
    /// is a design decision. Per service:
    ///
    /// - CloudFront standard logging v2 to S3:
    ///   `aws logs put-delivery-source --region us-east-1 --name <name> --resource-arn arn:aws:cloudfront::<account>:distribution/<id> --log-type ACCESS_LOGS`,
    ///   `aws logs put-delivery-destination --region us-east-1 --name <dest> --delivery-destination-configuration destinationResourceArn=arn:aws:s3:::<bucket>`,
    ///   `aws logs create-delivery --region us-east-1 --delivery-source-name <name> --delivery-destination-arn <destination-arn>`;
    ///   or standard (legacy) logging: `aws cloudfront get-distribution-config --id <id>`,
    ///   set `Logging` to `{"Enabled": true, "IncludeCookies": false, "Bucket": "<bucket>.s3.amazonaws.com", "Prefix": "<prefix>"}`,
    ///   then `aws cloudfront update-distribution --id <id> --if-match <etag> --distribution-config file://config.json`.
    /// - Application and network load balancers:
    ///   `aws elbv2 modify-load-balancer-attributes --load-balancer-arn <arn> --attributes Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=<bucket> Key=access_logs.s3.prefix,Value=<prefix>`
    ///   (the bucket's policy must let Elastic Load Balancing write to it).
    /// - Classic load balancers:
    ///   `aws elb modify-load-balancer-attributes --load-balancer-name <name> --load-balancer-attributes "{\"AccessLog\":{\"Enabled\":true,\"S3BucketName\":\"<bucket>\",\"EmitInterval\":60,\"S3BucketPrefix\":\"<prefix>\"}}"`.
    /// - REST API stages:
    ///   `aws apigateway update-stage --rest-api-id <id> --stage-name <stage> --patch-operations op=replace,path=/accessLogSettings/destinationArn,value=<log-group-arn> op=replace,path=/accessLogSettings/format,value='<format>'`
    ///   (the account needs a CloudWatch Logs role set with `aws apigateway update-account`).
    /// - HTTP and WebSocket API stages:
    ///   `aws apigatewayv2 update-stage --api-id <id> --stage-name <stage> --access-log-settings DestinationArn=<log-group-arn>,Format='<format>'`.
    ///
    /// ## Default value
    /// Access logging is off for new CloudFront distributions, load balancers and API
    /// Gateway stages.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html
    /// - https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/enable-access-logs.html
    /// - https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
    /// - https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html
    pub struct WebFrontendAccessLogging {
        id: "aws-web-frontend-access-logging",
        title: "Ensure all AWS-managed web front-end services have access logging enabled",
        target: AwsAccount,
        permissions: [
            DESCRIBE_REGIONS,
            LIST_DISTRIBUTIONS,
            GET_DISTRIBUTION_CONFIG,
            DESCRIBE_DELIVERY_SOURCES,
            DESCRIBE_DELIVERIES,
            DESCRIBE_LOAD_BALANCERS,
            DESCRIBE_LOAD_BALANCER_ATTRIBUTES,
            GET,
        ],
    }
}

/// The log type of CloudFront's access logs as a delivery source names it.
const ACCESS_LOGS: &str = "ACCESS_LOGS";

/// What the evidence has counted.
#[derive(Debug, Default)]
struct Tally {
    distributions: usize,
    load_balancers: usize,
    stages: usize,
    /// Resources that can log access and log nowhere (marked NONE).
    without: usize,
    /// Gateway load balancers and APIs with no stage.
    not_applicable: usize,
}

impl Tally {
    fn summary(&self) -> String {
        let total = self.distributions + self.load_balancers + self.stages;
        if total == 0 && self.not_applicable == 0 {
            return "no web front-end: no CloudFront distribution, load balancer or API Gateway \
                    API"
            .to_string();
        }
        let mut summary = format!(
            "{total} web front-end resource(s) that can log access ({} CloudFront \
             distribution(s), {} load balancer(s), {} API Gateway stage(s)), {} without access \
             logging (marked NONE)",
            self.distributions, self.load_balancers, self.stages, self.without
        );
        if self.not_applicable > 0 {
            summary.push_str(&format!(
                "; {} not applicable (gateway load balancers, APIs with no stage)",
                self.not_applicable
            ));
        }
        summary
    }
}

/// `s3://bucket/prefix`-like text of a bucket and prefix.
fn bucket_text(bucket: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        format!("S3 bucket {bucket}")
    } else {
        format!("S3 bucket {bucket} (prefix {prefix})")
    }
}

/// One distribution's line; `deliveries` is `None` when they could not be read.
fn distribution_line(
    evidence: &mut ManualEvidence,
    tally: &mut Tally,
    region: &str,
    distribution: &Distribution,
    deliveries: Option<&LogDeliveries>,
) {
    let logging = match &distribution.logging {
        Ok(logging) => logging,
        Err(error) => {
            evidence.unread(region, &distribution.arn, error);
            return;
        }
    };
    tally.distributions += 1;
    let label = format!(
        "CloudFront distribution {} ({}{})",
        distribution.id,
        distribution.domain_name,
        if distribution.enabled {
            ""
        } else {
            ", disabled"
        }
    );
    let mut destinations = Vec::new();
    if logging.enabled {
        destinations.push(format!(
            "standard logging to {}",
            bucket_text(&logging.bucket, &logging.prefix)
        ));
    }
    let Some(deliveries) = deliveries else {
        let detail = if destinations.is_empty() {
            format!(
                "{label}: standard logging off; whether it has a log delivery (standard \
                 logging v2) is unknown: the deliveries could not be read"
            )
        } else {
            format!("{label}: logging ON: {}", destinations.join("; "))
        };
        evidence.add(&distribution.arn, Some(region), detail);
        return;
    };
    for delivery in deliveries.of_resource(&distribution.arn, ACCESS_LOGS) {
        destinations.push(format!(
            "standard logging v2 (log delivery {}) to {}",
            delivery.id,
            delivery.describe()
        ));
    }
    let detail = if destinations.is_empty() {
        tally.without += 1;
        let has_source = deliveries
            .sources
            .iter()
            .any(|s| s.log_type == ACCESS_LOGS && s.resource_arns.contains(&distribution.arn));
        format!(
            "{label}: NONE: no access logging (standard logging off, {})",
            if has_source {
                "a delivery source but no log delivery"
            } else {
                "no log delivery"
            }
        )
    } else {
        format!("{label}: logging ON: {}", destinations.join("; "))
    };
    evidence.add(&distribution.arn, Some(region), detail);
}

/// One load balancer's line.
fn load_balancer_line(
    evidence: &mut ManualEvidence,
    tally: &mut Tally,
    region: &str,
    lb: &LoadBalancer,
) {
    let label = format!(
        "{} load balancer {}{}",
        lb.kind.name(),
        lb.name,
        lb.scheme
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    );
    let log = match &lb.access_log {
        None => {
            tally.not_applicable += 1;
            evidence.add(
                &lb.arn,
                Some(region),
                format!("{label}: not applicable: gateway load balancers have no access logs"),
            );
            return;
        }
        Some(Err(error)) => {
            evidence.unread(region, &lb.arn, error);
            return;
        }
        Some(Ok(log)) => log,
    };
    tally.load_balancers += 1;
    let note = if lb.kind == LoadBalancerKind::Network {
        " (a network load balancer logs requests on its TLS listeners only)"
    } else {
        ""
    };
    let detail = if log.enabled {
        format!(
            "{label}: logging ON: access logs to {}{note}",
            bucket_text(&log.bucket, &log.prefix)
        )
    } else {
        tally.without += 1;
        format!("{label}: NONE: access logging off{note}")
    };
    evidence.add(&lb.arn, Some(region), detail);
}

/// One line per stage of an API (or one for the API, if it has none).
fn api_lines(evidence: &mut ManualEvidence, tally: &mut Tally, region: &str, api: &Api) {
    let stages = match &api.stages {
        Ok(stages) => stages,
        Err(error) => {
            evidence.unread(region, &api.arn, error);
            return;
        }
    };
    let endpoint = if api.endpoint_types.is_empty() {
        String::new()
    } else {
        format!(", {}", api.endpoint_types.join(" "))
    };
    let label = format!("{} {} ({}{endpoint})", api.kind.label(), api.name, api.id);
    if stages.is_empty() {
        tally.not_applicable += 1;
        evidence.add(
            &api.arn,
            Some(region),
            format!("{label}: not applicable: no stage (nothing deployed)"),
        );
        return;
    }
    for stage in stages {
        tally.stages += 1;
        let detail = match &stage.access_log_destination {
            Some(destination) => format!(
                "{label} stage {}: logging ON: access logs to {destination}",
                stage.name
            ),
            None => {
                tally.without += 1;
                format!(
                    "{label} stage {}: NONE: no access log destination",
                    stage.name
                )
            }
        };
        evidence.add(api.stage_arn(&stage.name), Some(region), detail);
    }
}

/// Each readable region's resources through `line`; an unreadable region is an error entry
/// naming what could not be listed there.
fn each_region<T>(
    evidence: &mut ManualEvidence,
    tally: &mut Tally,
    regions: &[InRegion<Vec<T>>],
    what: &str,
    mut line: impl FnMut(&mut ManualEvidence, &mut Tally, &str, &T),
) {
    for in_region in regions {
        let region = in_region.region.as_str();
        match &in_region.data {
            Ok(items) => {
                for item in items.iter() {
                    line(evidence, tally, region, item);
                }
            }
            Err(error) => evidence.unread(
                region,
                format!("{} ({what})", region_resource(region)),
                error,
            ),
        }
    }
}

#[async_trait]
impl Audit for WebFrontendAccessLogging {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let cloudfront = cloudfront_region(&account.partition);
        let (distributions, deliveries, classic, v2, rest, http) = futures::join!(
            distributions(account),
            log_deliveries(account, cloudfront),
            classic_load_balancers(account),
            v2_load_balancers(account),
            rest_apis(account),
            v2_apis(account),
        );
        // Only the regions themselves failing to be listed is the whole control's error.
        let (classic, v2, rest, http) = (classic?, v2?, rest?, http?);
        let mut evidence = ManualEvidence::new();
        let mut tally = Tally::default();

        let deliveries: Option<&LogDeliveries> = match &deliveries {
            Ok(deliveries) => Some(deliveries),
            Err(error) => {
                evidence.unread(
                    cloudfront,
                    "CloudFront standard logging v2 (CloudWatch Logs deliveries)",
                    error,
                );
                None
            }
        };
        match &distributions {
            Ok(distributions) => {
                for distribution in distributions {
                    distribution_line(
                        &mut evidence,
                        &mut tally,
                        cloudfront,
                        distribution,
                        deliveries,
                    );
                }
            }
            Err(error) => evidence.unread(cloudfront, "CloudFront distributions", error),
        }
        each_region(
            &mut evidence,
            &mut tally,
            &classic,
            "classic load balancers",
            load_balancer_line,
        );
        each_region(
            &mut evidence,
            &mut tally,
            &v2,
            "application, network and gateway load balancers",
            load_balancer_line,
        );
        each_region(
            &mut evidence,
            &mut tally,
            &rest,
            "API Gateway REST APIs",
            api_lines,
        );
        each_region(
            &mut evidence,
            &mut tally,
            &http,
            "API Gateway HTTP and WebSocket APIs",
            api_lines,
        );
        Ok(evidence.outcome(tally.summary()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigateway::operation::get_rest_apis::{GetRestApisError, GetRestApisOutput};
    use aws_sdk_apigateway::operation::get_stages::GetStagesOutput;
    use aws_sdk_elasticloadbalancingv2::operation::describe_load_balancer_attributes::{
        DescribeLoadBalancerAttributesError, DescribeLoadBalancerAttributesOutput,
    };
    use aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::{
        DescribeLoadBalancersError, DescribeLoadBalancersOutput,
    };
    use aws_sdk_elasticloadbalancingv2::types::{
        LoadBalancer as SdkLoadBalancer, LoadBalancerAttribute, LoadBalancerTypeEnum,
    };
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::{SkipReason, Status};

    use crate::aws::AwsError;
    use crate::data::cloudfront::StandardLogging;
    use crate::data::logs::{Delivery, DeliverySource};

    const REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];

    fn error(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder()
            .code(code)
            .message(format!("injected {code}"))
            .build()
    }

    fn v2_arn(region: &str, kind: &str, name: &str) -> String {
        format!("arn:aws:elasticloadbalancing:{region}:123456789012:loadbalancer/{kind}/{name}/1")
    }

    fn v2_lb(region: &str, kind: &str, name: &str) -> SdkLoadBalancer {
        let short = match kind {
            "application" => "app",
            "network" => "net",
            _ => "gwy",
        };
        SdkLoadBalancer::builder()
            .load_balancer_name(name)
            .load_balancer_arn(v2_arn(region, short, name))
            .r#type(LoadBalancerTypeEnum::from(kind))
            .build()
    }

    /// Answers of an account with nothing but what `rules` add: every other listing is
    /// empty.
    struct Answers {
        elbv2: Vec<(String, Vec<Rule>)>,
        rest: Vec<(String, Vec<Rule>)>,
    }

    fn account(answers: Answers) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let mut account =
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&REGIONS);
        let cloudfront = mock!(aws_sdk_cloudfront::Client::list_distributions).then_output(|| {
            aws_sdk_cloudfront::operation::list_distributions::ListDistributionsOutput::builder()
                .build()
        });
        account = account.with_client(
            "us-east-1",
            mock_client!(aws_sdk_cloudfront, RuleMode::MatchAny, [&cloudfront]),
        );
        let sources = mock!(aws_sdk_cloudwatchlogs::Client::describe_delivery_sources)
            .then_output(|| {
                aws_sdk_cloudwatchlogs::operation::describe_delivery_sources::DescribeDeliverySourcesOutput::builder().build()
            });
        let deliveries = mock!(aws_sdk_cloudwatchlogs::Client::describe_deliveries).then_output(|| {
            aws_sdk_cloudwatchlogs::operation::describe_deliveries::DescribeDeliveriesOutput::builder()
                .build()
        });
        account = account.with_client(
            "us-east-1",
            mock_client!(
                aws_sdk_cloudwatchlogs,
                RuleMode::MatchAny,
                [&sources, &deliveries]
            ),
        );
        for region in REGIONS {
            let classic =
                mock!(aws_sdk_elasticloadbalancing::Client::describe_load_balancers).then_output(
                    || {
                        aws_sdk_elasticloadbalancing::operation::describe_load_balancers::DescribeLoadBalancersOutput::builder().build()
                    },
                );
            let v2_apis = mock!(aws_sdk_apigatewayv2::Client::get_apis).then_output(|| {
                aws_sdk_apigatewayv2::operation::get_apis::GetApisOutput::builder().build()
            });
            let mut elbv2: Vec<Rule> = answers
                .elbv2
                .iter()
                .filter(|(r, _)| r == region)
                .flat_map(|(_, rules)| rules.iter().cloned())
                .collect();
            elbv2.push(
                mock!(aws_sdk_elasticloadbalancingv2::Client::describe_load_balancers)
                    .then_output(|| DescribeLoadBalancersOutput::builder().build()),
            );
            let mut rest: Vec<Rule> = answers
                .rest
                .iter()
                .filter(|(r, _)| r == region)
                .flat_map(|(_, rules)| rules.iter().cloned())
                .collect();
            rest.push(
                mock!(aws_sdk_apigateway::Client::get_rest_apis)
                    .then_output(|| GetRestApisOutput::builder().build()),
            );
            account = account
                .with_client(
                    region,
                    mock_client!(aws_sdk_elasticloadbalancing, RuleMode::MatchAny, [&classic]),
                )
                .with_client(
                    region,
                    mock_client!(aws_sdk_elasticloadbalancingv2, RuleMode::MatchAny, &elbv2),
                )
                .with_client(
                    region,
                    mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, &rest),
                )
                .with_client(
                    region,
                    mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&v2_apis]),
                );
        }
        account
    }

    fn details(outcome: &Outcome) -> Vec<String> {
        outcome
            .evidence
            .iter()
            .map(|e| {
                format!(
                    "{} [{}] [{:?}] {}",
                    e.resource,
                    e.region.as_deref().unwrap_or_default(),
                    e.status,
                    e.detail
                )
            })
            .collect()
    }

    fn attributes(enabled: bool, bucket: &str) -> DescribeLoadBalancerAttributesOutput {
        let attribute = |key: &str, value: &str| {
            LoadBalancerAttribute::builder()
                .key(key)
                .value(value)
                .build()
        };
        DescribeLoadBalancerAttributesOutput::builder()
            .attributes(attribute(
                "access_logs.s3.enabled",
                if enabled { "true" } else { "false" },
            ))
            .attributes(attribute("access_logs.s3.bucket", bucket))
            .build()
    }

    #[tokio::test]
    async fn a_gateway_load_balancer_is_not_applicable_and_its_attributes_are_not_read() {
        let region = "eu-west-1";
        let listing = mock!(aws_sdk_elasticloadbalancingv2::Client::describe_load_balancers)
            .then_output(move || {
                DescribeLoadBalancersOutput::builder()
                    .load_balancers(v2_lb(region, "application", "web"))
                    .load_balancers(v2_lb(region, "network", "tls"))
                    .load_balancers(v2_lb(region, "gateway", "inspect"))
                    .build()
            });
        let alb = v2_arn(region, "app", "web");
        let nlb = v2_arn(region, "net", "tls");
        let gateway = v2_arn(region, "gwy", "inspect");
        let (a, n, g) = (alb.clone(), nlb.clone(), gateway.clone());
        let alb_attributes =
            mock!(aws_sdk_elasticloadbalancingv2::Client::describe_load_balancer_attributes)
                .match_requests(move |r| r.load_balancer_arn() == Some(a.as_str()))
                .then_output(|| attributes(false, ""));
        let nlb_attributes =
            mock!(aws_sdk_elasticloadbalancingv2::Client::describe_load_balancer_attributes)
                .match_requests(move |r| r.load_balancer_arn() == Some(n.as_str()))
                .then_output(|| attributes(true, "nlb-logs"));
        // Read, it would be an error entry: the outcome would be an error.
        let gateway_attributes =
            mock!(aws_sdk_elasticloadbalancingv2::Client::describe_load_balancer_attributes)
                .match_requests(move |r| r.load_balancer_arn() == Some(g.as_str()))
                .then_error(|| DescribeLoadBalancerAttributesError::generic(error("Unexpected")));
        let account = account(Answers {
            elbv2: vec![(
                region.to_string(),
                vec![
                    listing,
                    alb_attributes,
                    nlb_attributes,
                    gateway_attributes.clone(),
                ],
            )],
            rest: Vec::new(),
        });
        let outcome = cisrun_core::testing::audit(&WebFrontendAccessLogging, &account).await;
        let lines = details(&outcome);
        assert_eq!(
            outcome.status,
            Status::Skipped,
            "{lines:#?} {}",
            outcome.message
        );
        assert_eq!(outcome.skip, Some(SkipReason::Manual));
        assert_eq!(gateway_attributes.num_calls(), 0);
        let of = |arn: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(arn))
                .unwrap_or_else(|| panic!("{arn}: {lines:#?}"))
                .clone()
        };
        assert!(
            of(&gateway).contains(
                "gateway load balancer inspect: not applicable: gateway load balancers have no access logs"
            ),
            "{lines:#?}"
        );
        assert!(
            of(&alb).contains("application load balancer web: NONE: access logging off"),
            "{lines:#?}"
        );
        let nlb_line = of(&nlb);
        assert!(
            nlb_line.contains(
                "network load balancer tls: logging ON: access logs to S3 bucket nlb-logs"
            ) && nlb_line.contains("TLS listeners only"),
            "{lines:#?}"
        );
        assert!(
            outcome.message.contains(
                "2 web front-end resource(s) that can log access (0 CloudFront distribution(s), \
                 2 load balancer(s), 0 API Gateway stage(s)), 1 without access logging (marked \
                 NONE); 1 not applicable"
            ),
            "{}",
            outcome.message
        );
    }

    #[tokio::test]
    async fn an_error_page_of_a_listing_makes_its_region_an_error_with_nothing_of_it_listed() {
        let region = "eu-west-1";
        let first = mock!(aws_sdk_elasticloadbalancingv2::Client::describe_load_balancers)
            .match_requests(|r| r.marker().is_none())
            .then_output(move || {
                DescribeLoadBalancersOutput::builder()
                    .load_balancers(v2_lb(region, "application", "first-page"))
                    .next_marker("page-2")
                    .build()
            });
        let second = mock!(aws_sdk_elasticloadbalancingv2::Client::describe_load_balancers)
            .match_requests(|r| r.marker() == Some("page-2"))
            .then_error(|| DescribeLoadBalancersError::generic(error("Throttling")));
        let account = account(Answers {
            elbv2: vec![(region.to_string(), vec![first, second])],
            rest: Vec::new(),
        });
        let outcome = cisrun_core::testing::audit(&WebFrontendAccessLogging, &account).await;
        let lines = details(&outcome);
        assert_eq!(outcome.status, Status::Error, "{lines:#?}");
        let error = outcome.error.as_ref().expect("an error");
        assert!(
            error.message.contains(DESCRIBE_LOAD_BALANCERS)
                && error.message.contains("1 region(s): eu-west-1"),
            "{}",
            error.message
        );
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(
            lines[0].starts_with(
                "region eu-west-1 (application, network and gateway load balancers) [eu-west-1] [Some(Error)]"
            ),
            "{lines:#?}"
        );
    }

    #[tokio::test]
    async fn an_unreadable_region_is_an_error_naming_it_and_the_others_are_listed() {
        let denied = mock!(aws_sdk_apigateway::Client::get_rest_apis)
            .then_error(|| GetRestApisError::generic(error("AccessDeniedException")));
        let listed = mock!(aws_sdk_apigateway::Client::get_rest_apis).then_output(|| {
            GetRestApisOutput::builder()
                .items(
                    aws_sdk_apigateway::types::RestApi::builder()
                        .id("abc123")
                        .name("shop")
                        .build(),
                )
                .build()
        });
        let stages = mock!(aws_sdk_apigateway::Client::get_stages).then_output(|| {
            GetStagesOutput::builder()
                .item(
                    aws_sdk_apigateway::types::Stage::builder()
                        .stage_name("prod")
                        .build(),
                )
                .item(
                    aws_sdk_apigateway::types::Stage::builder()
                        .stage_name("beta")
                        .access_log_settings(
                            aws_sdk_apigateway::types::AccessLogSettings::builder()
                                .destination_arn(
                                    "arn:aws:logs:us-east-1:123456789012:log-group:beta",
                                )
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let account = account(Answers {
            elbv2: Vec::new(),
            rest: vec![
                ("eu-west-1".to_string(), vec![denied]),
                ("us-east-1".to_string(), vec![listed, stages]),
            ],
        });
        let outcome = cisrun_core::testing::audit(&WebFrontendAccessLogging, &account).await;
        let lines = details(&outcome);
        assert_eq!(outcome.status, Status::Error, "{lines:#?}");
        let error = outcome.error.as_ref().expect("an error");
        assert!(
            error.message.contains("apigateway:GET failed: GetRestApis")
                && error.message.contains("eu-west-1"),
            "{}",
            error.message
        );
        assert_eq!(lines.len(), 3, "{lines:#?}");
        let stage = "arn:aws:apigateway:us-east-1::/restapis/abc123/stages";
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{stage}/prod"))
                && l.ends_with(
                    "REST API shop (abc123) stage prod: NONE: no access log destination"
                )),
            "{lines:#?}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{stage}/beta"))
                && l.ends_with("stage beta: logging ON: access logs to arn:aws:logs:us-east-1:123456789012:log-group:beta")),
            "{lines:#?}"
        );
        assert!(
            lines.iter().any(|l| l
                .starts_with("region eu-west-1 (API Gateway REST APIs) [eu-west-1] [Some(Error)]")),
            "{lines:#?}"
        );
    }

    fn distribution(id: &str, logging: Result<StandardLogging, AwsError>) -> Distribution {
        Distribution {
            id: id.to_string(),
            arn: format!("arn:aws:cloudfront::123456789012:distribution/{id}"),
            domain_name: format!("{}.cloudfront.net", id.to_lowercase()),
            enabled: true,
            logging,
        }
    }

    fn off() -> StandardLogging {
        StandardLogging {
            enabled: false,
            bucket: String::new(),
            prefix: String::new(),
        }
    }

    #[test]
    fn a_distribution_logs_through_a_delivery_and_an_unreadable_one_is_an_error_entry() {
        let deliveries = LogDeliveries {
            sources: vec![
                DeliverySource {
                    name: "cf".into(),
                    resource_arns: vec!["arn:aws:cloudfront::123456789012:distribution/EV2".into()],
                    service: "cloudfront".into(),
                    log_type: ACCESS_LOGS.into(),
                },
                DeliverySource {
                    name: "orphan".into(),
                    resource_arns: vec![
                        "arn:aws:cloudfront::123456789012:distribution/EORPHAN".into()
                    ],
                    service: "cloudfront".into(),
                    log_type: ACCESS_LOGS.into(),
                },
            ],
            deliveries: vec![Delivery {
                id: "d-1".into(),
                source_name: "cf".into(),
                destination_arn: "arn:aws:logs:us-east-1:123456789012:delivery-destination:cf"
                    .into(),
                destination_type: Some("CWL".into()),
            }],
        };
        let mut evidence = ManualEvidence::new();
        let mut tally = Tally::default();
        for d in [
            distribution("EV2", Ok(off())),
            distribution("EORPHAN", Ok(off())),
            distribution(
                "EDENIED",
                Err(AwsError {
                    code: "AccessDenied".into(),
                    message: "denied".into(),
                    action: GET_DISTRIBUTION_CONFIG.into(),
                    access_denied: true,
                }),
            ),
        ] {
            distribution_line(
                &mut evidence,
                &mut tally,
                "us-east-1",
                &d,
                Some(&deliveries),
            );
        }
        assert_eq!((tally.distributions, tally.without), (2, 1));
        let outcome = evidence.outcome(tally.summary());
        assert_eq!(outcome.status, Status::Error);
        let lines = details(&outcome);
        assert!(
            lines.iter().any(|l| l.contains("distribution/EV2 ")
                && l.contains("logging ON: standard logging v2 (log delivery d-1) to CWL delivery destination arn:aws:logs:us-east-1:123456789012:delivery-destination:cf")),
            "{lines:#?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("distribution/EORPHAN ")
                && l.contains("NONE: no access logging (standard logging off, a delivery source but no log delivery)")),
            "{lines:#?}"
        );
        assert!(
            lines.iter().any(
                |l| l.contains("distribution/EDENIED [us-east-1] [Some(Error)]")
                    && l.contains(GET_DISTRIBUTION_CONFIG)
            ),
            "{lines:#?}"
        );
    }

    #[test]
    fn nothing_at_all_is_said_so() {
        assert_eq!(
            Tally::default().summary(),
            "no web front-end: no CloudFront distribution, load balancer or API Gateway API"
        );
    }
}
