//! Messages decoded once. A transaction's messages arrive as `Any`s; the module that
//! owns each decodes it into its typed message ([`ModuleMsg`]) when the transaction is
//! decoded, and that value travels with the transaction, as a [`DecodedMsg`], to the
//! block's preparation hooks and to the handler, which never decodes it again.

use crate::{Address, Any, KernelError, TxError};

/// A module's messages as one typed value (usually an enum of them), decoded from an
/// `Any` with its shape checked, and naming the addresses that must sign it.
pub trait ModuleMsg: Sized + Send + Sync + 'static {
    /// Decodes and checks a message, without touching state.
    fn decode(any: &Any) -> Result<Self, TxError>;

    /// The addresses that must sign the transaction carrying it, the first one being
    /// the message's sender.
    fn signers(&self) -> Vec<Address>;
}

/// The message type of a module that takes none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoMsg {}

impl ModuleMsg for NoMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        Err(KernelError::UnknownMessage(any.type_url.clone()).into())
    }

    fn signers(&self) -> Vec<Address> {
        match *self {}
    }
}

/// A message decoded once by the module that owns it: the typed value, kept behind
/// `dyn Any` so that the application can carry it without knowing its type, and its
/// signers.
pub struct DecodedMsg {
    signers: Vec<Address>,
    value: Box<dyn std::any::Any + Send + Sync>,
}

impl std::fmt::Debug for DecodedMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedMsg")
            .field("signers", &self.signers)
            .finish_non_exhaustive()
    }
}

impl DecodedMsg {
    /// Wraps a decoded message.
    pub fn new<M: ModuleMsg>(msg: M) -> Self {
        Self {
            signers: msg.signers(),
            value: Box::new(msg),
        }
    }

    /// Decodes an `Any` as `M`.
    pub fn decode<M: ModuleMsg>(any: &Any) -> Result<Self, TxError> {
        Ok(Self::new(M::decode(any)?))
    }

    /// The addresses that must sign, as the message named them.
    pub fn signers(&self) -> &[Address] {
        &self.signers
    }

    /// The message, if it is an `M`.
    pub fn downcast_ref<M: ModuleMsg>(&self) -> Option<&M> {
        self.value.downcast_ref()
    }

    /// The message as an `M`; an `UnknownMessage` error if another module decoded it.
    pub fn into_typed<M: ModuleMsg>(self) -> Result<M, TxError> {
        self.value.downcast::<M>().map(|m| *m).map_err(|_| {
            KernelError::UnknownMessage(format!(
                "a message decoded by another module, not {}",
                std::any::type_name::<M>()
            ))
            .into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Ping(Address);

    impl ModuleMsg for Ping {
        fn decode(any: &Any) -> Result<Self, TxError> {
            if any.type_url == "/ping" {
                Ok(Ping(Address::new([7; 20])))
            } else {
                Err(KernelError::UnknownMessage(any.type_url.clone()).into())
            }
        }

        fn signers(&self) -> Vec<Address> {
            vec![self.0]
        }
    }

    #[test]
    fn a_decoded_message_keeps_its_type_and_signers() {
        let any = Any {
            type_url: "/ping".into(),
            value: Vec::new(),
        };
        let d = DecodedMsg::decode::<Ping>(&any).unwrap();
        assert_eq!(d.signers(), &[Address::new([7; 20])]);
        assert!(d.downcast_ref::<NoMsg>().is_none());
        assert_eq!(d.downcast_ref::<Ping>(), Some(&Ping(Address::new([7; 20]))));
        assert_eq!(d.into_typed::<Ping>().unwrap(), Ping(Address::new([7; 20])));
        let d = DecodedMsg::decode::<Ping>(&any).unwrap();
        assert_eq!(d.into_typed::<NoMsg>().unwrap_err().code, 6);
        assert_eq!(DecodedMsg::decode::<NoMsg>(&any).unwrap_err().code, 6);
    }
}
