//! Test support: a pattern tree that renders with random quoting, spacing and
//! parentheses, mutations of it, and CloudTrail-shaped events.

#![allow(dead_code)]

use std::cell::Cell;

use cisrun_filter_pattern::{Condition, Expr, Operator, Segment, Selector, Test};
use proptest::prelude::*;
use serde_json::{json, Map, Value as Json};

/// A pattern as the generators build it, before rendering to text.
#[derive(Debug, Clone)]
pub enum Tree {
    Or(Vec<Tree>),
    And(Vec<Tree>),
    Leaf(Leaf),
}

#[derive(Debug, Clone)]
pub struct Leaf {
    /// Path without the `$.`: `userIdentity.type`.
    pub field: String,
    pub test: LeafTest,
}

#[derive(Debug, Clone)]
pub enum LeafTest {
    Text { negated: bool, text: String },
    Number { operator: &'static str, value: f64 },
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

impl Tree {
    pub fn of(expr: &Expr) -> Tree {
        match expr {
            Expr::Or(operands) => Tree::Or(operands.iter().map(Tree::of).collect()),
            Expr::And(operands) => Tree::And(operands.iter().map(Tree::of).collect()),
            Expr::Condition(condition) => Tree::Leaf(Leaf::of(condition)),
        }
    }

    pub fn leaf_count(&self) -> usize {
        match self {
            Tree::Or(operands) | Tree::And(operands) => operands.iter().map(Tree::leaf_count).sum(),
            Tree::Leaf(_) => 1,
        }
    }

    /// Applies `change` to the `index`-th leaf (pre-order, modulo the leaf count).
    pub fn change_leaf(&mut self, index: usize, change: &mut dyn FnMut(&mut Leaf)) {
        let count = self.leaf_count();
        let mut remaining = index % count;
        self.visit_leaf(&mut remaining, change);
    }

    fn visit_leaf(&mut self, remaining: &mut usize, change: &mut dyn FnMut(&mut Leaf)) -> bool {
        match self {
            Tree::Or(operands) | Tree::And(operands) => operands
                .iter_mut()
                .any(|operand| operand.visit_leaf(remaining, change)),
            Tree::Leaf(leaf) => {
                if *remaining == 0 {
                    change(leaf);
                    true
                } else {
                    *remaining -= 1;
                    false
                }
            }
        }
    }

    /// Removes one operand of the `index`-th junction that has more than one.
    pub fn drop_operand(&mut self, index: usize, which: usize) {
        let mut junctions = 0;
        self.count_junctions(&mut junctions);
        if junctions == 0 {
            return;
        }
        let mut remaining = index % junctions;
        self.drop_in(&mut remaining, which);
    }

    fn count_junctions(&self, count: &mut usize) {
        if let Tree::Or(operands) | Tree::And(operands) = self {
            if operands.len() > 1 {
                *count += 1;
            }
            operands
                .iter()
                .for_each(|operand| operand.count_junctions(count));
        }
    }

    fn drop_in(&mut self, remaining: &mut usize, which: usize) -> bool {
        if let Tree::Or(operands) | Tree::And(operands) = self {
            if operands.len() > 1 {
                if *remaining == 0 {
                    let at = which % operands.len();
                    operands.remove(at);
                    return true;
                }
                *remaining -= 1;
            }
            return operands
                .iter_mut()
                .any(|operand| operand.drop_in(remaining, which));
        }
        false
    }

    /// Reorders every junction's operands, deterministically from `seed`.
    pub fn shuffle(&mut self, seed: &mut u64) {
        if let Tree::Or(operands) | Tree::And(operands) = self {
            for index in (1..operands.len()).rev() {
                *seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let other = (*seed >> 33) as usize % (index + 1);
                operands.swap(index, other);
            }
            operands
                .iter_mut()
                .for_each(|operand| operand.shuffle(seed));
        }
    }

    pub fn fields(&self, into: &mut Vec<String>) {
        match self {
            Tree::Or(operands) | Tree::And(operands) => {
                operands.iter().for_each(|operand| operand.fields(into))
            }
            Tree::Leaf(leaf) => into.push(leaf.field.clone()),
        }
    }
}

impl Leaf {
    pub fn of(condition: &Condition) -> Leaf {
        let field = condition.selector.to_string()[2..].to_owned();
        let test = match &condition.test {
            Test::Text { negated, pattern } => LeafTest::Text {
                negated: *negated,
                text: pattern.text(),
            },
            Test::Number { operator, value } => LeafTest::Number {
                operator: operator.symbol(),
                value: *value,
            },
            Test::IsNull => LeafTest::IsNull,
            Test::IsTrue => LeafTest::IsTrue,
            Test::IsFalse => LeafTest::IsFalse,
            Test::NotExists => LeafTest::NotExists,
        };
        Leaf { field, test }
    }
}

/// Random rendering choices, consumed in order and cycled.
#[derive(Debug, Clone)]
pub struct Style {
    choices: Vec<u8>,
    at: Cell<usize>,
}

impl Style {
    pub fn new(choices: Vec<u8>) -> Style {
        Style {
            choices: if choices.is_empty() { vec![0] } else { choices },
            at: Cell::new(0),
        }
    }

    /// A plain style: canonical-looking output.
    pub fn plain() -> Style {
        Style::new(vec![0])
    }

    fn pick(&self, options: u8) -> u8 {
        let at = self.at.get();
        self.at.set(at + 1);
        self.choices[at % self.choices.len()] % options
    }

    fn space(&self) -> &'static str {
        ["", " ", " ", "  ", "\n", "\t"][self.pick(6) as usize]
    }

    fn keyword(&self, word: &str) -> String {
        match self.pick(4) {
            0 => word.to_lowercase(),
            _ => word.to_owned(),
        }
    }
}

fn is_bare_safe(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|character| {
            character.is_ascii_alphanumeric()
                || matches!(character, '_' | '-' | '.' | '*' | '+' | ':' | '/')
        })
        && !looks_numeric(text)
}

/// Text the parser would read as a number, so it must stay quoted.
fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let mut parts = body.splitn(2, ['e', 'E']);
    let mantissa = parts.next().unwrap_or("");
    let exponent = parts.next();
    let digits = |text: &str| !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(mantissa),
    };
    let exponent_ok = exponent
        .is_none_or(|exponent| digits(exponent.strip_prefix(['+', '-']).unwrap_or(exponent)));
    mantissa_ok && exponent_ok
}

fn quote(text: &str) -> String {
    let mut quoted = String::from("\"");
    for character in text.chars() {
        if matches!(character, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(character);
    }
    quoted.push('"');
    quoted
}

pub fn render(tree: &Tree, style: &Style) -> String {
    format!(
        "{{{}{}{}}}",
        style.space(),
        render_expr(tree, style, false),
        style.space()
    )
}

fn render_expr(tree: &Tree, style: &Style, inside_and: bool) -> String {
    let text = match tree {
        Tree::Leaf(leaf) => render_leaf(leaf, style),
        Tree::And(operands) => join(operands, "&&", style, true),
        Tree::Or(operands) => join(operands, "||", style, false),
    };
    let must_wrap = inside_and && matches!(tree, Tree::Or(_));
    let mut wraps = style.pick(3) as usize;
    if must_wrap {
        wraps = wraps.max(1);
    }
    let mut text = text;
    for _ in 0..wraps {
        text = format!("({}{}{})", style.space(), text, style.space());
    }
    text
}

fn join(operands: &[Tree], connective: &str, style: &Style, is_and: bool) -> String {
    operands
        .iter()
        .map(|operand| render_expr(operand, style, is_and))
        .collect::<Vec<_>>()
        .join(&format!("{}{}{}", style.space(), connective, style.space()))
}

fn render_leaf(leaf: &Leaf, style: &Style) -> String {
    let selector = format!("$.{}", leaf.field);
    match &leaf.test {
        LeafTest::Text { negated, text } => {
            let value = if is_bare_safe(text) && style.pick(2) == 0 {
                text.clone()
            } else {
                quote(text)
            };
            let operator = if *negated { "!=" } else { "=" };
            format!(
                "{selector}{}{operator}{}{value}",
                style.space(),
                style.space()
            )
        }
        LeafTest::Number { operator, value } => {
            let number = match style.pick(2) {
                0 => format!("{value}"),
                _ => format!("{value:e}"),
            };
            format!(
                "{selector}{}{operator}{}{number}",
                style.space(),
                style.space()
            )
        }
        LeafTest::IsNull => format!(
            "{selector} {} {}",
            style.keyword("IS"),
            style.keyword("NULL")
        ),
        LeafTest::IsTrue => format!(
            "{selector} {} {}",
            style.keyword("IS"),
            style.keyword("TRUE")
        ),
        LeafTest::IsFalse => format!(
            "{selector} {} {}",
            style.keyword("IS"),
            style.keyword("FALSE")
        ),
        LeafTest::NotExists => {
            format!(
                "{selector} {} {}",
                style.keyword("NOT"),
                style.keyword("EXISTS")
            )
        }
    }
}

/// The CloudTrail fields the generated events hold and the mutations use.
pub const CLOUDTRAIL_FIELDS: &[&str] = &[
    "eventSource",
    "eventName",
    "errorCode",
    "errorMessage",
    "userIdentity.type",
    "userIdentity.invokedBy",
    "sourceIPAddress",
    "additionalEventData.MFAUsed",
    "responseElements.ConsoleLogin",
    "eventType",
    "requestParameters.bucketName",
    "recipientAccountId",
];

/// Strings a text pattern matches: its parts joined by fillers, and the parts alone.
pub fn instances(pattern: &str) -> Vec<String> {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut strings = vec![parts.join(""), parts.join("Zq"), parts.join("-x-")];
    strings.extend(
        parts
            .iter()
            .filter(|part| !part.is_empty())
            .map(|part| part.to_string()),
    );
    strings
}

/// A JSON value for a field: one of `strings`, or another kind of value.
pub fn field_value(strings: Vec<String>) -> impl Strategy<Value = Option<Json>> {
    let pick = proptest::sample::select(strings);
    prop_oneof![
        2 => Just(None),
        8 => pick.prop_map(|text| Some(Json::String(text))),
        1 => "[A-Za-z.]{0,6}".prop_map(|text| Some(Json::String(text))),
        1 => (-20i64..20).prop_map(|number| Some(json!(number))),
        1 => (-20.0f64..20.0).prop_map(|number| Some(json!(number))),
        1 => Just(Some(Json::Null)),
        1 => any::<bool>().prop_map(|flag| Some(json!(flag))),
        1 => Just(Some(json!(["x"]))),
        1 => Just(Some(json!({"k": "v"}))),
    ]
}

/// An event with each of `fields` set to a value from `field_value`.
pub fn event(fields: &'static [&'static str], strings: Vec<String>) -> impl Strategy<Value = Json> {
    proptest::collection::vec(field_value(strings), fields.len()).prop_map(move |values| {
        let mut event = Json::Object(Map::new());
        for (field, value) in fields.iter().zip(values) {
            if let Some(value) = value {
                set(&mut event, &path(field), Some(value));
            }
        }
        event
    })
}

pub fn path(field: &str) -> Selector {
    Selector {
        segments: field
            .split('.')
            .map(|key| Segment::Key(key.to_owned()))
            .collect(),
    }
}

/// Sets (or, with `None`, removes) the field at `selector`, making objects and arrays
/// on the way.
pub fn set(event: &mut Json, selector: &Selector, value: Option<Json>) {
    let Some((last, parents)) = selector.segments.split_last() else {
        return;
    };
    let mut node = event;
    for segment in parents {
        node = match segment {
            Segment::Key(key) => {
                if !node.is_object() {
                    if value.is_none() {
                        return;
                    }
                    *node = Json::Object(Map::new());
                }
                let Json::Object(map) = node else { return };
                map.entry(key.clone())
                    .or_insert_with(|| Json::Object(Map::new()))
            }
            Segment::Index(index) => {
                if !node.is_array() {
                    if value.is_none() {
                        return;
                    }
                    *node = Json::Array(Vec::new());
                }
                let Json::Array(items) = node else { return };
                if items.len() <= *index {
                    items.resize(*index + 1, Json::Object(Map::new()));
                }
                &mut items[*index]
            }
        };
    }
    match (last, value) {
        (Segment::Key(key), Some(value)) => {
            if !node.is_object() {
                *node = Json::Object(Map::new());
            }
            if let Json::Object(map) = node {
                map.insert(key.clone(), value);
            }
        }
        (Segment::Key(key), None) => {
            if let Json::Object(map) = node {
                map.remove(key);
            }
        }
        (Segment::Index(index), Some(value)) => {
            if !node.is_array() {
                *node = Json::Array(Vec::new());
            }
            if let Json::Array(items) = node {
                if items.len() <= *index {
                    items.resize(*index + 1, Json::Null);
                }
                items[*index] = value;
            }
        }
        (Segment::Index(index), None) => {
            if let Json::Array(items) = node {
                items.truncate(*index);
            }
        }
    }
}

/// Rewrites `base` so that it tends to satisfy every condition of `case`: the events
/// most likely to tell a covering filter from a non-covering one.
pub fn witness(base: &Json, case: &[Condition], filler: &str) -> Json {
    let mut event = base.clone();
    for condition in case {
        let value = match &condition.test {
            Test::NotExists => None,
            Test::IsNull => Some(Json::Null),
            Test::IsTrue => Some(json!(true)),
            Test::IsFalse => Some(json!(false)),
            Test::Text {
                negated: false,
                pattern,
            } => Some(Json::String(pattern.parts().join(filler))),
            Test::Text {
                negated: true,
                pattern,
            } => Some(Json::String(format!(
                "{}{filler}",
                pattern.parts().concat()
            ))),
            Test::Number {
                operator,
                value: number,
            } => Some(json!(match operator {
                Operator::Eq | Operator::Le | Operator::Ge => *number,
                Operator::Lt => number - 0.5,
                Operator::Gt | Operator::Ne => number + 1.0,
            })),
        };
        set(&mut event, &condition.selector, value);
    }
    event
}
