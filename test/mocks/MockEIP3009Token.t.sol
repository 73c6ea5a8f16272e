// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {MockEIP3009Token} from "../../contracts/mocks/MockEIP3009Token.sol";
import {MockERC1271Wallet} from "../../contracts/mocks/MockERC1271Wallet.sol";
import {vm} from "../utils/Vm.sol";

contract MockEIP3009TokenTest {
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    event Transfer(address indexed from, address indexed to, uint256 value);

    uint256 private constant PAYER_KEY = 0xA11CE;
    uint256 private constant OTHER_KEY = 0xB0B;
    address private constant PAYEE = address(0xBEEF);
    bytes32 private constant NONCE = keccak256("nonce 1");
    uint256 private constant T0 = 1_800_000_000;

    MockEIP3009Token private token;
    address private payer;

    function setUp() external {
        vm.warp(T0);
        token = new MockEIP3009Token("Test USD Coin", "tUSDC", 6);
        payer = vm.addr(PAYER_KEY);
        token.mint(payer, 1_000_000);
    }

    function _digest(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce
    ) private view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(token.TRANSFER_WITH_AUTHORIZATION_TYPEHASH(), from, to, value, validAfter, validBefore, nonce)
        );
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function _sign(
        uint256 key,
        address from,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce
    ) private view returns (uint8 v, bytes32 r, bytes32 s) {
        return vm.sign(key, _digest(from, PAYEE, value, validAfter, validBefore, nonce));
    }

    function test_metadata_isUsdcLike() external view {
        vm.assertEq(token.version(), "2", "version");
        vm.assertEq(uint256(token.decimals()), 6, "decimals");
        vm.assertEq(token.name(), "Test USD Coin", "name");
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Test USD Coin"),
                keccak256("2"),
                block.chainid,
                address(token)
            )
        );
        vm.assertEq(token.DOMAIN_SEPARATOR(), expected, "domain separator: name, version 2, chain id, token");
    }

    function test_transferWithAuthorization_movesFundsAndUsesNonce() external {
        (uint8 v, bytes32 r, bytes32 s) = _sign(PAYER_KEY, payer, 250, 0, T0 + 60, NONCE);
        vm.expectEmit(true, true, false, true, address(token));
        emit AuthorizationUsed(payer, NONCE);
        vm.expectEmit(true, true, false, true, address(token));
        emit Transfer(payer, PAYEE, 250);
        token.transferWithAuthorization(payer, PAYEE, 250, 0, T0 + 60, NONCE, v, r, s);
        vm.assertEq(token.balanceOf(PAYEE), 250, "payee credited");
        vm.assertEq(token.balanceOf(payer), 1_000_000 - 250, "payer debited");
        vm.assertTrue(token.authorizationState(payer, NONCE), "nonce used");
        vm.assertFalse(token.authorizationState(payer, keccak256("other")), "other nonce unused");
    }

    function test_transferWithAuthorization_bytesOverloadAcceptsEcdsa() external {
        (uint8 v, bytes32 r, bytes32 s) = _sign(PAYER_KEY, payer, 7, T0 - 1, T0 + 1, NONCE);
        token.transferWithAuthorization(payer, PAYEE, 7, T0 - 1, T0 + 1, NONCE, abi.encodePacked(r, s, v));
        vm.assertEq(token.balanceOf(PAYEE), 7, "payee credited");
    }

    function test_transferWithAuthorization_bytesOverloadAcceptsErc1271() external {
        MockERC1271Wallet wallet = new MockERC1271Wallet(payer);
        token.mint(address(wallet), 100);
        (uint8 v, bytes32 r, bytes32 s) = _sign(PAYER_KEY, address(wallet), 40, 0, T0 + 60, NONCE);
        token.transferWithAuthorization(address(wallet), PAYEE, 40, 0, T0 + 60, NONCE, abi.encodePacked(r, s, v));
        vm.assertEq(token.balanceOf(PAYEE), 40, "payee credited from the wallet");
    }

    function test_transferWithAuthorization_revertsWhenNotYetValid() external {
        (uint8 v, bytes32 r, bytes32 s) = _sign(PAYER_KEY, payer, 1, T0, T0 + 60, NONCE);
        vm.expectRevert(
            abi.encodeWithSelector(MockEIP3009Token.MockEIP3009TokenAuthorizationNotYetValid.selector, T0, T0)
        );
        token.transferWithAuthorization(payer, PAYEE, 1, T0, T0 + 60, NONCE, v, r, s);
    }

    function test_transferWithAuthorization_revertsWhenExpired() external {
        (uint8 v, bytes32 r, bytes32 s) = _sign(PAYER_KEY, payer, 1, 0, T0, NONCE);
        vm.expectRevert(abi.encodeWithSelector(MockEIP3009Token.MockEIP3009TokenAuthorizationExpired.selector, T0, T0));
        token.transferWithAuthorization(payer, PAYEE, 1, 0, T0, NONCE, v, r, s);
    }

    function test_transferWithAuthorization_revertsWhenNonceAlreadyUsed() external {
        (uint8 v, bytes32 r, bytes32 s) = _sign(PAYER_KEY, payer, 1, 0, T0 + 60, NONCE);
        token.transferWithAuthorization(payer, PAYEE, 1, 0, T0 + 60, NONCE, v, r, s);
        vm.expectRevert(
            abi.encodeWithSelector(MockEIP3009Token.MockEIP3009TokenAuthorizationAlreadyUsed.selector, payer, NONCE)
        );
        token.transferWithAuthorization(payer, PAYEE, 1, 0, T0 + 60, NONCE, v, r, s);
    }

    function test_transferWithAuthorization_revertsWhenSignedByAnotherKey() external {
        (uint8 v, bytes32 r, bytes32 s) = _sign(OTHER_KEY, payer, 1, 0, T0 + 60, NONCE);
        vm.expectRevert(abi.encodeWithSelector(MockEIP3009Token.MockEIP3009TokenInvalidSignature.selector, payer));
        token.transferWithAuthorization(payer, PAYEE, 1, 0, T0 + 60, NONCE, v, r, s);
    }

    function test_transferWithAuthorization_revertsWhenAFieldDiffersFromTheSigned() external {
        (uint8 v, bytes32 r, bytes32 s) = _sign(PAYER_KEY, payer, 1, 0, T0 + 60, NONCE);
        vm.expectRevert(abi.encodeWithSelector(MockEIP3009Token.MockEIP3009TokenInvalidSignature.selector, payer));
        token.transferWithAuthorization(payer, PAYEE, 2, 0, T0 + 60, NONCE, v, r, s);
    }

    function test_transferWithAuthorization_revertsWhenBytesSignatureIsMalformed() external {
        vm.expectRevert(abi.encodeWithSelector(MockEIP3009Token.MockEIP3009TokenInvalidSignature.selector, payer));
        token.transferWithAuthorization(payer, PAYEE, 1, 0, T0 + 60, NONCE, hex"1234");
    }

    function test_transferWithAuthorization_revertsWhenErc1271WalletRefuses() external {
        MockERC1271Wallet wallet = new MockERC1271Wallet(payer);
        token.mint(address(wallet), 100);
        (uint8 v, bytes32 r, bytes32 s) = _sign(OTHER_KEY, address(wallet), 40, 0, T0 + 60, NONCE);
        vm.expectRevert(
            abi.encodeWithSelector(MockEIP3009Token.MockEIP3009TokenInvalidSignature.selector, address(wallet))
        );
        token.transferWithAuthorization(address(wallet), PAYEE, 40, 0, T0 + 60, NONCE, abi.encodePacked(r, s, v));
    }

    function test_transferWithAuthorization_revertsWhenBalanceIsShort() external {
        (uint8 v, bytes32 r, bytes32 s) = _sign(PAYER_KEY, payer, 1_000_001, 0, T0 + 60, NONCE);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, payer, 1_000_000, 1_000_001)
        );
        token.transferWithAuthorization(payer, PAYEE, 1_000_001, 0, T0 + 60, NONCE, v, r, s);
        vm.assertFalse(token.authorizationState(payer, NONCE), "a reverted transfer leaves the nonce unused");
    }

    function testFuzz_transferWithAuthorization_conservesSupply(uint64 value, bytes32 nonce, uint32 window) external {
        vm.assume(value <= 1_000_000 && window > 0);
        (uint8 v, bytes32 r, bytes32 s) = _sign(PAYER_KEY, payer, value, T0 - 1, T0 + window, nonce);
        token.transferWithAuthorization(payer, PAYEE, value, T0 - 1, T0 + window, nonce, v, r, s);
        vm.assertEq(token.balanceOf(payer) + token.balanceOf(PAYEE), 1_000_000, "balances sum to the supply");
        vm.assertEq(token.totalSupply(), 1_000_000, "supply unchanged");
        vm.assertTrue(token.authorizationState(payer, nonce), "nonce used");
    }

    function testFuzz_mint_creditsBalanceAndSupply(address to, uint128 amount) external {
        vm.assume(to != address(0) && to != payer);
        token.mint(to, amount);
        vm.assertEq(token.balanceOf(to), amount, "balance");
        vm.assertEq(token.totalSupply(), 1_000_000 + uint256(amount), "supply");
    }
}
