//! What a control is to the code: a declaration ([`control!`](crate::control!) or
//! [`manual_control!`](crate::manual_control!)) gives it its metadata, target and parameter
//! types and its fix ([`Described`]); an [`Audit`] impl gives it its check. The runner sees
//! every control through [`DynControl`], whatever platform it audits.

use std::any::{Any, TypeId};
use std::sync::Arc;

use async_trait::async_trait;

use crate::meta::ControlMeta;
use crate::outcome::{ErrorDetail, Outcome, SkipReason};
use crate::parameters::{self, CheckedParameters, ControlParameters, Input, ParameterSchema};
use crate::remediation::{FixSafety, Plan, Remediation, RemediationError, Step};

/// A target as the runner holds it: the platform's context, erased.
pub type AnyTarget = dyn Any + Send + Sync;

/// What a control's declaration says about it.
pub trait Described: Send + Sync + 'static {
    /// What the control audits: its platform's context (e.g. one AWS account).
    type Target: Send + Sync + 'static;
    /// Its parameters; [`NoParameters`](crate::NoParameters) when it takes none.
    type Parameters: ControlParameters;

    fn meta(&self) -> &ControlMeta;

    /// The control's fix, where one exists.
    fn fix(&self) -> Option<&dyn Remediation<Self::Target, Self::Parameters>> {
        None
    }
}

/// A control's check.
#[async_trait]
pub trait Audit: Described {
    /// Audits one target. Never panics; anything that stops the evaluation is an `Err` (or
    /// an [`Outcome::error`]), never a pass or a fail it could not decide.
    async fn audit(
        &self,
        target: &Self::Target,
        input: Input<'_, Self::Parameters>,
    ) -> Result<Outcome, ErrorDetail>;
}

/// A control as the runner and the catalogue see it: any platform, any parameter type.
#[async_trait]
pub trait DynControl: Send + Sync {
    fn meta(&self) -> &ControlMeta;

    /// The type of target it audits; its platform is the one whose target this is.
    fn target_type(&self) -> TypeId;

    /// The target type's name, for error messages.
    fn target_type_name(&self) -> &'static str;

    /// The schema of its parameters, `None` when it takes none.
    fn parameter_schema(&self) -> Option<ParameterSchema>;

    /// Reads and checks its `parameters:` block (`None`: the profile gives none).
    fn read_parameters(
        &self,
        block: Option<&serde_yaml::Value>,
    ) -> Result<CheckedParameters, String>;

    /// Audits `target` with parameters this control read. Manual controls are skipped.
    async fn audit(
        &self,
        target: &AnyTarget,
        parameters: &CheckedParameters,
        version: &str,
    ) -> Outcome;

    /// Its fix, erased, where one exists.
    fn fix(&self) -> Option<&dyn DynFix>;
}

/// A control's fix as the runner sees it.
#[async_trait]
pub trait DynFix: Send + Sync {
    fn safety(&self) -> FixSafety;
    fn permissions(&self) -> &'static [&'static str];
    fn check_parameters(&self, parameters: &CheckedParameters) -> Result<(), String>;
    async fn plan(
        &self,
        target: &AnyTarget,
        parameters: &CheckedParameters,
        version: &str,
    ) -> Result<Plan, RemediationError>;
    async fn observe(
        &self,
        target: &AnyTarget,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError>;
    async fn apply(&self, target: &AnyTarget, step: &Step) -> Result<(), RemediationError>;
    async fn undo(&self, target: &AnyTarget, step: &Step) -> Result<(), RemediationError>;
}

/// A control with audit code, as registered.
pub struct Automated<C>(pub C);

/// A control that is documentation only (a person assesses it), as registered.
pub struct Manual<C>(pub C);

/// The runner handed a control a target or parameters of another type: a bug, reported as
/// the control's error rather than a panic.
fn mismatch(id: &str, what: &str) -> ErrorDetail {
    ErrorDetail {
        code: "InternalError".to_string(),
        message: format!("control `{id}` was given {what} of another type"),
        missing_permission: None,
    }
}

fn typed<'a, C: Described>(
    control: &C,
    target: &'a AnyTarget,
    parameters: &'a CheckedParameters,
) -> Result<(&'a C::Target, &'a C::Parameters), ErrorDetail> {
    let id = control.meta().id;
    let target = target
        .downcast_ref::<C::Target>()
        .ok_or_else(|| mismatch(id, "a target"))?;
    let parameters = parameters
        .downcast_ref::<C::Parameters>()
        .ok_or_else(|| mismatch(id, "parameters"))?;
    Ok((target, parameters))
}

fn read_parameters_of<C: Described>(
    block: Option<&serde_yaml::Value>,
) -> Result<CheckedParameters, String> {
    parameters::read::<C::Parameters>(block).map(|p| Arc::new(p) as CheckedParameters)
}

macro_rules! dyn_control_common {
    () => {
        fn meta(&self) -> &ControlMeta {
            self.0.meta()
        }
        fn target_type(&self) -> TypeId {
            TypeId::of::<C::Target>()
        }
        fn target_type_name(&self) -> &'static str {
            std::any::type_name::<C::Target>()
        }
        fn parameter_schema(&self) -> Option<ParameterSchema> {
            ParameterSchema::of::<C::Parameters>()
        }
        fn read_parameters(
            &self,
            block: Option<&serde_yaml::Value>,
        ) -> Result<CheckedParameters, String> {
            read_parameters_of::<C>(block)
        }
        fn fix(&self) -> Option<&dyn DynFix> {
            self.0.fix().map(|_| self as &dyn DynFix)
        }
    };
}

#[async_trait]
impl<C: Audit> DynControl for Automated<C> {
    dyn_control_common!();

    async fn audit(
        &self,
        target: &AnyTarget,
        parameters: &CheckedParameters,
        version: &str,
    ) -> Outcome {
        let (target, parameters) = match typed(&self.0, target, parameters) {
            Ok(typed) => typed,
            Err(error) => return Outcome::error(error),
        };
        self.0
            .audit(
                target,
                Input {
                    parameters,
                    version,
                },
            )
            .await
            .unwrap_or_else(Outcome::error)
    }
}

#[async_trait]
impl<C: Described> DynControl for Manual<C> {
    dyn_control_common!();

    async fn audit(&self, _: &AnyTarget, _: &CheckedParameters, _: &str) -> Outcome {
        Outcome::skipped(SkipReason::Manual)
    }
}

/// The fix of a registered control, erased: [`Automated`] and [`Manual`] delegate to the
/// declaration's [`Described::fix`].
macro_rules! dyn_fix {
    ($wrapper:ident) => {
        #[async_trait]
        impl<C: Described> DynFix for $wrapper<C> {
            fn safety(&self) -> FixSafety {
                self.0.fix().map_or(FixSafety::Unsafe, |f| f.safety())
            }
            fn permissions(&self) -> &'static [&'static str] {
                self.0.fix().map_or(&[], |f| f.permissions())
            }
            fn check_parameters(&self, parameters: &CheckedParameters) -> Result<(), String> {
                let (Some(fix), Some(parameters)) =
                    (self.0.fix(), parameters.downcast_ref::<C::Parameters>())
                else {
                    return Err(mismatch(self.0.meta().id, "parameters").message);
                };
                fix.check_parameters(parameters)
            }
            async fn plan(
                &self,
                target: &AnyTarget,
                parameters: &CheckedParameters,
                version: &str,
            ) -> Result<Plan, RemediationError> {
                let (target, parameters) =
                    typed(&self.0, target, parameters).map_err(RemediationError::Provider)?;
                self.fix_or_refuse()?
                    .plan(
                        target,
                        Input {
                            parameters,
                            version,
                        },
                    )
                    .await
            }
            async fn observe(
                &self,
                target: &AnyTarget,
                step: &Step,
            ) -> Result<serde_json::Value, RemediationError> {
                let target = self.target(target)?;
                self.fix_or_refuse()?.observe(target, step).await
            }
            async fn apply(&self, target: &AnyTarget, step: &Step) -> Result<(), RemediationError> {
                let target = self.target(target)?;
                self.fix_or_refuse()?.apply(target, step).await
            }
            async fn undo(&self, target: &AnyTarget, step: &Step) -> Result<(), RemediationError> {
                let target = self.target(target)?;
                self.fix_or_refuse()?.undo(target, step).await
            }
        }

        impl<C: Described> $wrapper<C> {
            fn fix_or_refuse(
                &self,
            ) -> Result<&dyn Remediation<C::Target, C::Parameters>, RemediationError> {
                self.0.fix().ok_or_else(|| {
                    RemediationError::Refused(format!("control `{}` has no fix", self.0.meta().id))
                })
            }

            fn target<'a>(&self, target: &'a AnyTarget) -> Result<&'a C::Target, RemediationError> {
                target.downcast_ref::<C::Target>().ok_or_else(|| {
                    RemediationError::Provider(mismatch(self.0.meta().id, "a target"))
                })
            }
        }
    };
}

dyn_fix!(Automated);
dyn_fix!(Manual);

/// Declares a control in one place: its doc comment is its documentation (with the
/// benchmark's headings; the permission lines are generated from `permissions`), and the
/// declaration gives its id, title, target type, the actions its audit needs, and
/// optionally its parameters and its fix. It defines the unit struct, its metadata
/// (`NAME::META`) and registers it; the control's check is an [`Audit`] impl beside it.
///
/// ```
/// use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};
///
/// pub struct Host;
///
/// cisrun_core::control! {
///     /// ## Description
///     /// An example.
///     pub struct Example {
///         id: "example-control",
///         title: "An example control",
///         target: Host,
///         permissions: ["host:Read"],
///     }
/// }
///
/// #[async_trait::async_trait]
/// impl Audit for Example {
///     async fn audit(&self, _: &Host, _: Input<'_, NoParameters>) -> Result<Outcome, ErrorDetail> {
///         Ok(Outcome::pass("fine", vec![]))
///     }
/// }
///
/// assert_eq!(Example::META.id, "example-control");
/// assert!(Example::META.doc.text().contains("An example."));
/// ```
#[macro_export]
macro_rules! control {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            title: $title:literal,
            target: $target:ty,
            permissions: [$($permission:expr),* $(,)?],
            $(parameters: $parameters:ty,)?
            $(fix: $fix:expr,)?
        }
    ) => {
        $crate::__declare_control! {
            $(#[doc = $doc])*
            $vis struct $name {
                id: $id,
                title: $title,
                assessment: Automated,
                target: $target,
                permissions: [$($permission),*],
                parameters: [$($parameters)?],
                fix: [$($fix)?],
            }
        }
        $crate::register_control!($crate::control::Automated($name));
    };
}

/// Declares a manual control: documentation a person follows, reported as skipped
/// (manual). The same declaration as [`control!`], without an [`Audit`] impl.
#[macro_export]
macro_rules! manual_control {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            title: $title:literal,
            target: $target:ty,
            $(permissions: [$($permission:expr),* $(,)?],)?
        }
    ) => {
        $crate::__declare_control! {
            $(#[doc = $doc])*
            $vis struct $name {
                id: $id,
                title: $title,
                assessment: Manual,
                target: $target,
                permissions: [$($($permission),*)?],
                parameters: [],
                fix: [],
            }
        }
        $crate::register_control!($crate::control::Manual($name));
    };
}

/// Registers one instance of a control family: one rule type (it implements [`Described`],
/// with `fn meta(&self) -> &ControlMeta { &self.meta }`, and [`Audit`]) registered many
/// times, each instance with its own id, title, documentation (its doc comment),
/// permissions, parameters block and data (the type's other fields).
///
/// ```ignore
/// cisrun_core::family_member! {
///     /// ## Description
///     /// ...
///     ManagedPolicyNotOnUsers {
///         id: "acme-iam-no-admin-on-users",
///         title: "AdministratorAccess is not attached to IAM users",
///         permissions: ["iam:ListEntitiesForPolicy"],
///         policy: "AdministratorAccess",
///     }
/// }
/// ```
#[macro_export]
macro_rules! family_member {
    (
        $(#[doc = $doc:literal])*
        $family:ident {
            id: $id:literal,
            title: $title:literal,
            permissions: [$($permission:expr),* $(,)?],
            $($field:ident: $value:expr),* $(,)?
        }
    ) => {
        $crate::register_control!($crate::control::Automated($family {
            meta: $crate::ControlMeta {
                id: $id,
                title: $title,
                assessment: $crate::Assessment::Automated,
                doc: $crate::ControlDoc(concat!($($doc, "\n"),*)),
                permissions: &[$($permission),*],
            },
            $($field: $value),*
        }));
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __declare_control {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            title: $title:literal,
            assessment: $assessment:ident,
            target: $target:ty,
            permissions: [$($permission:expr),*],
            parameters: [$($parameters:ty)?],
            fix: [$($fix:expr)?],
        }
    ) => {
        $(#[doc = $doc])*
        $vis struct $name;

        impl $name {
            /// This control's metadata, from its declaration.
            pub const META: $crate::ControlMeta = $crate::ControlMeta {
                id: $id,
                title: $title,
                assessment: $crate::Assessment::$assessment,
                doc: $crate::ControlDoc(concat!($($doc, "\n"),*)),
                permissions: &[$($permission),*],
            };
        }

        impl $crate::control::Described for $name {
            type Target = $target;
            type Parameters = $crate::__first_type!($($parameters)? ; $crate::NoParameters);

            fn meta(&self) -> &$crate::ControlMeta {
                &Self::META
            }

            $(
                fn fix(
                    &self,
                ) -> Option<&dyn $crate::Remediation<Self::Target, Self::Parameters>> {
                    Some(&$fix)
                }
            )?
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __first_type {
    ($given:ty ; $default:ty) => {
        $given
    };
    ( ; $default:ty) => {
        $default
    };
}
