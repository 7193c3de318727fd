//! `hubsync fields list | add`.

use hubsync_store::Field;
use serde::Serialize;

use crate::cli::{FieldAddArgs, FieldsCommand};
use hubsync_api::config;

use crate::context::Context;
use crate::output::{Table, emit};

#[derive(Debug, Serialize)]
pub struct FieldList {
    pub fields: Vec<Field>,
}

#[derive(Debug, Serialize)]
pub struct FieldAdded {
    pub field: Field,
}

pub async fn run(ctx: &mut Context, command: FieldsCommand) -> anyhow::Result<()> {
    match command {
        FieldsCommand::List => {
            let list = FieldList { fields: config::list_fields(&ctx.ws).await? };
            emit(ctx.json, &list, |l| table(&l.fields))
        }
        FieldsCommand::Add(FieldAddArgs { name, kind, options, label }) => {
            let field = config::add_field(&ctx.ws, name, label, kind, options).await?;
            emit(ctx.json, &FieldAdded { field }, |added| {
                format!("Added the field {}.\n{}", added.field.key, table(std::slice::from_ref(&added.field)))
            })
        }
    }
}

pub(crate) fn table(fields: &[Field]) -> String {
    let mut table = Table::new(&["KEY", "LABEL", "TYPE", "OPTIONS", "BUILT-IN"]);
    for f in fields {
        table.row(vec![
            f.key.clone(),
            f.label.clone(),
            f.kind.as_str().replace('_', "-"),
            f.options.join(", "),
            if f.builtin { "yes" } else { "no" }.into(),
        ]);
    }
    table.render()
}
